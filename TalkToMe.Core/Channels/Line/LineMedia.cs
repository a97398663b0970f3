using System.Text.Json;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels.Line;

/// <summary>
/// The media of a LINE message event (Messaging API "Message event"): image, video, audio (<c>duration</c> in ms) and file
/// (<c>fileName</c>, <c>fileSize</c>) are fetched from the content API by message id, unless <c>contentProvider</c> is
/// external (then <c>originalContentUrl</c>); location carries its title, address and coordinates.
/// </summary>
public static class LineMedia
{
    public static IReadOnlyList<InboundMedia> Read(JsonElement message, string type)
    {
        if (type == "location")
        {
            return message.TryGetProperty("latitude", out var lat) && lat.ValueKind == JsonValueKind.Number
                && message.TryGetProperty("longitude", out var lng) && lng.ValueKind == JsonValueKind.Number
                && lat.GetDouble() is >= -90 and <= 90 && lng.GetDouble() is >= -180 and <= 180
                ? [InboundMedia.Place(lat.GetDouble(), lng.GetDouble(), StringOf(message, "title"), StringOf(message, "address"))]
                : [];
        }

        MediaKind? kind = type switch
        {
            "image" => MediaKind.Image,
            "video" => MediaKind.Video,
            "audio" => MediaKind.Voice,
            "file" => MediaKind.Document,
            _ => null,
        };
        if (kind is not { } known || StringOf(message, "id") is not { Length: > 0 and <= 100 } id)
        {
            return [];
        }

        var source = message.TryGetProperty("contentProvider", out var provider) && StringOf(provider, "type") == "external"
            && StringOf(provider, "originalContentUrl") is { Length: > 0 and <= 2000 } external
            ? external
            : id;
        var duration = WebhookJson.Int64Of(message, "duration") is long ms && ms > 0 ? (int)Math.Min(ms / 1000, int.MaxValue) : (int?)null;
        var name = StringOf(message, "fileName");
        return [new InboundMedia(known, source, FileName: name is { Length: > 255 } ? name[..255] : name,
            Size: WebhookJson.Int64Of(message, "fileSize"), DurationSeconds: duration)];
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary><c>GET {data API}/v2/bot/message/{id}/content</c> with the channel access token; an external URL as it is.</summary>
public sealed class LineMediaSource : IMediaSource
{
    public bool Handles(ChannelType type) => type == ChannelType.Line;

    public Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken)
    {
        var line = (LineSettings)settings;
        if (source.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(Uri.TryCreate(source, UriKind.Absolute, out var external)
                ? MediaRequest.For(MediaDownloader.Get(external))
                : MediaRequest.Failed("URL do conteúdo inválida.", permanent: true));
        }

        if (string.IsNullOrWhiteSpace(line.ChannelAccessToken))
        {
            return Task.FromResult(MediaRequest.Failed("Token de acesso do LINE não configurado.", permanent: true));
        }

        var url = ProviderHttp.Url(line.DataApiBaseUrl, $"v2/bot/message/{Uri.EscapeDataString(source)}/content");
        return Task.FromResult(url is null
            ? MediaRequest.Failed("URL da API de conteúdo do LINE inválida.", permanent: true)
            : MediaRequest.For(MediaDownloader.Get(url, line.ChannelAccessToken)));
    }
}
