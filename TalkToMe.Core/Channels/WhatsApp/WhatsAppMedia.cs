using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>
/// The media of a WhatsApp Cloud API message (PROTOCOLS "WhatsApp", webhook <c>messages[]</c>): image, audio (a voice note
/// when <c>audio.voice</c> is true, Ogg/Opus), video, document, sticker (each a media <c>id</c>), location and contacts.
/// </summary>
public static class WhatsAppMedia
{
    public static IReadOnlyList<InboundMedia> Read(JsonElement message, string type)
    {
        if (!message.TryGetProperty(type, out var part))
        {
            return [];
        }

        switch (type)
        {
            case "image":
            case "video":
            case "document":
            case "sticker":
            case "audio":
                if (part.ValueKind != JsonValueKind.Object || StringOf(part, "id") is not { Length: > 0 and <= 200 } id)
                {
                    return [];
                }

                var kind = type switch
                {
                    "image" => MediaKind.Image,
                    "video" => MediaKind.Video,
                    "document" => MediaKind.Document,
                    "sticker" => MediaKind.Sticker,
                    _ => part.TryGetProperty("voice", out var voice) && voice.ValueKind == JsonValueKind.True ? MediaKind.Voice : MediaKind.Audio,
                };
                var name = StringOf(part, "filename");
                return [new InboundMedia(kind, id, StringOf(part, "mime_type"), name is { Length: > 255 } ? name[..255] : name)];

            case "location":
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("latitude", out var lat) && lat.ValueKind == JsonValueKind.Number
                    && part.TryGetProperty("longitude", out var lng) && lng.ValueKind == JsonValueKind.Number
                    && lat.GetDouble() is >= -90 and <= 90 && lng.GetDouble() is >= -180 and <= 180)
                {
                    return [InboundMedia.Place(lat.GetDouble(), lng.GetDouble(), StringOf(part, "name"), StringOf(part, "address"))];
                }

                return [];

            case "contacts":
                if (part.ValueKind != JsonValueKind.Array)
                {
                    return [];
                }

                var cards = new List<InboundMedia>();
                foreach (var contact in part.EnumerateArray().Take(10))
                {
                    var formatted = contact.TryGetProperty("name", out var names) ? StringOf(names, "formatted_name") : null;
                    var phones = contact.TryGetProperty("phones", out var list) && list.ValueKind == JsonValueKind.Array
                        ? list.EnumerateArray().Select(p => StringOf(p, "phone")).OfType<string>().Where(p => p.Length is > 0 and <= 40).ToArray()
                        : [];
                    if (formatted is { Length: > 0 } || phones.Length > 0)
                    {
                        cards.Add(InboundMedia.ContactCard(formatted ?? phones[0], phones));
                    }
                }

                return cards;

            default:
                return [];
        }
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>
/// The Cloud API's two steps: <c>GET /{version}/{media-id}</c> with the channel's token answers a short-lived <c>url</c>,
/// whose bytes need the same token. A media id is valid for 30 days; Meta answers 404 (or error 100) after that.
/// </summary>
public sealed class WhatsAppMediaSource(IHttpClientFactory clients, IOptions<OutboundOptions> options) : IMediaSource
{
    public bool Handles(ChannelType type) => type == ChannelType.WhatsApp;

    public async Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken)
    {
        var whatsApp = (WhatsAppSettings)settings;
        if (string.IsNullOrWhiteSpace(whatsApp.AccessToken))
        {
            return MediaRequest.Failed("Token de acesso do WhatsApp não configurado.", permanent: true);
        }

        var lookup = ProviderHttp.Url(whatsApp.ApiBaseUrl, $"{whatsApp.ApiVersion.Trim('/')}/{Uri.EscapeDataString(source)}");
        if (lookup is null)
        {
            return MediaRequest.Failed("URL da API do WhatsApp inválida.", permanent: true);
        }

        var (response, failure) = await ProviderHttp.SendAsync(clients, MediaDownloader.Get(lookup, whatsApp.AccessToken),
            options.Value.SendTimeout, "WhatsApp", cancellationToken);
        if (failure is not null)
        {
            return MediaRequest.Failed(failure.Error ?? "WhatsApp indisponível.");
        }

        using var json = response!.Json();
        if (response.IsSuccess && json?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("url", out var url)
            && url.ValueKind == JsonValueKind.String && Uri.TryCreate(url.GetString(), UriKind.Absolute, out var file)
            && (file.Scheme == Uri.UriSchemeHttps || file.Scheme == Uri.UriSchemeHttp))
        {
            return MediaRequest.For(MediaDownloader.Get(file, whatsApp.AccessToken));
        }

        var message = json?.RootElement is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("error", out var error)
            && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;
        return MediaRequest.Failed($"WhatsApp: {message ?? $"HTTP {response.Status}"}", permanent: response.Status is 400 or 404);
    }
}
