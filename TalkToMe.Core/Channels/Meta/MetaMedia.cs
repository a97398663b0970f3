using System.Text.Json;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels.Meta;

/// <summary>
/// The attachments of a Messenger or Instagram message (<c>message.attachments[]{type, payload}</c>): image, audio, video
/// and file carry <c>payload.url</c>, a CDN address readable without a token that expires after a while (so it is fetched
/// at once); location carries <c>payload.coordinates</c>. Shares, story mentions and reels stay a line saying where to look.
/// </summary>
public static class MetaMedia
{
    public static IReadOnlyList<InboundMedia> Read(JsonElement message)
    {
        if (!message.TryGetProperty("attachments", out var attachments) || attachments.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var media = new List<InboundMedia>();
        foreach (var attachment in attachments.EnumerateArray().Take(10))
        {
            if (attachment.ValueKind != JsonValueKind.Object || !attachment.TryGetProperty("payload", out var payload)
                || payload.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var type = StringOf(attachment, "type");
            if (type == "location" && payload.TryGetProperty("coordinates", out var at) && at.ValueKind == JsonValueKind.Object
                && at.TryGetProperty("lat", out var lat) && lat.ValueKind == JsonValueKind.Number
                && at.TryGetProperty("long", out var lng) && lng.ValueKind == JsonValueKind.Number
                && lat.GetDouble() is >= -90 and <= 90 && lng.GetDouble() is >= -180 and <= 180)
            {
                media.Add(InboundMedia.Place(lat.GetDouble(), lng.GetDouble(), StringOf(attachment, "title")));
                continue;
            }

            MediaKind? kind = type switch
            {
                "image" => payload.TryGetProperty("sticker_id", out _) ? MediaKind.Sticker : MediaKind.Image,
                "audio" => MediaKind.Audio,
                "video" => MediaKind.Video,
                "file" => MediaKind.Document,
                _ => null,
            };
            if (kind is { } known && StringOf(payload, "url") is { Length: > 0 and <= 2000 } url
                && Uri.TryCreate(url, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttps || parsed.Scheme == Uri.UriSchemeHttp))
            {
                media.Add(new InboundMedia(known, url, FileName: known == MediaKind.Document ? FileNameOf(parsed) : null));
            }
        }

        return media;
    }

    private static string? FileNameOf(Uri url) =>
        Path.GetFileName(url.AbsolutePath) is { Length: > 0 and <= 255 } name ? Uri.UnescapeDataString(name) : null;

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>Messenger's and Instagram's attachment URLs: a plain GET, no token.</summary>
public sealed class MetaMediaSource : IMediaSource
{
    public bool Handles(ChannelType type) => type is ChannelType.Facebook or ChannelType.Instagram;

    public Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken) =>
        Task.FromResult(Uri.TryCreate(source, UriKind.Absolute, out var url)
            ? MediaRequest.For(MediaDownloader.Get(url))
            : MediaRequest.Failed("URL do anexo inválida.", permanent: true));
}
