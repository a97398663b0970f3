using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Telegram;

/// <summary>
/// The media of a Telegram <c>Message</c> (Bot API "Available types"): photo (the largest size), voice, audio, video,
/// video_note, animation, document, sticker, location, venue, contact. Files are named by <c>file_id</c>; their bytes come
/// from <c>getFile</c> then <c>/file/bot&lt;token&gt;/&lt;file_path&gt;</c> (<see cref="TelegramMediaSource"/>).
/// </summary>
public static class TelegramMedia
{
    public static IReadOnlyList<InboundMedia> Read(JsonElement message)
    {
        var media = new List<InboundMedia>();
        if (message.TryGetProperty("photo", out var photo) && photo.ValueKind == JsonValueKind.Array && photo.GetArrayLength() > 0)
        {
            // Telegram sends every size it made; the last is the largest.
            var largest = photo.EnumerateArray().Where(p => FileId(p) is not null)
                .MaxBy(p => (WebhookJson.Int64Of(p, "width") ?? 0) * (WebhookJson.Int64Of(p, "height") ?? 0));
            if (largest.ValueKind == JsonValueKind.Object)
            {
                media.Add(File(MediaKind.Image, largest, "image/jpeg"));
            }
        }

        AddFile(media, message, "voice", MediaKind.Voice, "audio/ogg");
        AddFile(media, message, "audio", MediaKind.Audio, "audio/mpeg");
        AddFile(media, message, "video", MediaKind.Video, "video/mp4");
        AddFile(media, message, "video_note", MediaKind.Video, "video/mp4");
        AddFile(media, message, "animation", MediaKind.Video, "video/mp4");
        if (!message.TryGetProperty("animation", out _))
        {
            // An animation also carries a "document" copy of itself.
            AddFile(media, message, "document", MediaKind.Document, null);
        }

        if (message.TryGetProperty("sticker", out var sticker) && FileId(sticker) is not null)
        {
            var type = sticker.TryGetProperty("is_video", out var video) && video.ValueKind == JsonValueKind.True ? "video/webm"
                : sticker.TryGetProperty("is_animated", out var animated) && animated.ValueKind == JsonValueKind.True ? "application/x-tgsticker"
                : "image/webp";
            media.Add(File(MediaKind.Sticker, sticker, type));
        }

        if (message.TryGetProperty("venue", out var venue) && venue.ValueKind == JsonValueKind.Object
            && venue.TryGetProperty("location", out var venueLocation) && Coordinates(venueLocation) is var (vLat, vLng))
        {
            media.Add(InboundMedia.Place(vLat, vLng, StringOf(venue, "title"), StringOf(venue, "address")));
        }
        else if (message.TryGetProperty("location", out var location) && Coordinates(location) is var (lat, lng))
        {
            media.Add(InboundMedia.Place(lat, lng));
        }

        if (message.TryGetProperty("contact", out var contact) && contact.ValueKind == JsonValueKind.Object
            && StringOf(contact, "phone_number") is { Length: > 0 } phone)
        {
            var name = string.Join(' ', new[] { StringOf(contact, "first_name"), StringOf(contact, "last_name") }.Where(n => !string.IsNullOrWhiteSpace(n)));
            media.Add(InboundMedia.ContactCard(name.Length == 0 ? phone : name, [phone]));
        }

        return media;
    }

    private static void AddFile(List<InboundMedia> media, JsonElement message, string property, MediaKind kind, string? defaultType)
    {
        if (message.TryGetProperty(property, out var file) && file.ValueKind == JsonValueKind.Object && FileId(file) is not null)
        {
            media.Add(File(kind, file, defaultType));
        }
    }

    private static InboundMedia File(MediaKind kind, JsonElement file, string? defaultType)
    {
        var duration = WebhookJson.Int64Of(file, "duration") is long d && d is > 0 and < int.MaxValue ? (int)d : (int?)null;
        var name = StringOf(file, "file_name");
        return new InboundMedia(kind, FileId(file), StringOf(file, "mime_type") ?? defaultType,
            name is { Length: > 255 } ? name[..255] : name, WebhookJson.Int64Of(file, "file_size"), duration);
    }

    private static string? FileId(JsonElement file) =>
        StringOf(file, "file_id") is { Length: > 0 and <= 1000 } id ? id : null;

    private static (double, double)? Coordinates(JsonElement location) =>
        location.ValueKind == JsonValueKind.Object
        && location.TryGetProperty("latitude", out var lat) && lat.ValueKind == JsonValueKind.Number
        && location.TryGetProperty("longitude", out var lng) && lng.ValueKind == JsonValueKind.Number
        && lat.GetDouble() is >= -90 and <= 90 && lng.GetDouble() is >= -180 and <= 180
            ? (lat.GetDouble(), lng.GetDouble())
            : null;

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>Telegram's two steps: <c>getFile</c> names the file's path, then the bytes are at <c>/file/bot&lt;token&gt;/&lt;path&gt;</c>.</summary>
public sealed class TelegramMediaSource(IHttpClientFactory clients, IOptions<OutboundOptions> options) : IMediaSource
{
    public bool Handles(ChannelType type) => type == ChannelType.Telegram;

    public async Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken)
    {
        var telegram = (TelegramSettings)settings;
        if (string.IsNullOrWhiteSpace(telegram.BotToken))
        {
            return MediaRequest.Failed("Token do bot do Telegram não configurado.", permanent: true);
        }

        var token = telegram.BotToken.Trim();
        var lookup = ProviderHttp.Url(telegram.ApiBaseUrl, $"bot{token}/getFile?file_id={Uri.EscapeDataString(source)}");
        if (lookup is null)
        {
            return MediaRequest.Failed("URL da API do Telegram inválida.", permanent: true);
        }

        var (response, failure) = await ProviderHttp.SendAsync(clients, new HttpRequestMessage(HttpMethod.Get, lookup),
            options.Value.SendTimeout, "Telegram", cancellationToken);
        if (failure is not null)
        {
            return MediaRequest.Failed(failure.Error ?? "Telegram indisponível.");
        }

        using var json = response!.Json();
        if (json?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("result", out var result)
            && result.ValueKind == JsonValueKind.Object && result.TryGetProperty("file_path", out var path)
            && path.ValueKind == JsonValueKind.String && path.GetString() is { Length: > 0 } filePath
            && ProviderHttp.Url(telegram.ApiBaseUrl, $"file/bot{token}/{filePath}") is { } file)
        {
            return MediaRequest.For(MediaDownloader.Get(file));
        }

        var description = json?.RootElement is { ValueKind: JsonValueKind.Object } error && error.TryGetProperty("description", out var d)
            && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        // 400 "file is too big" (over the Bot API's 20 MB) or a file_id Telegram no longer knows: retrying will not help.
        return MediaRequest.Failed($"Telegram getFile: {description ?? $"HTTP {response.Status}"}",
            permanent: response.Status is 400 or 404);
    }
}
