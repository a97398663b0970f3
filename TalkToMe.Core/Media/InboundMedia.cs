using System.Globalization;

namespace TalkToMe.Core.Media;

/// <summary>
/// A file (or place, or contact card) a channel adapter found in a customer's message: what to fetch (<see cref="Source"/>,
/// the provider's media id, file id or URL; null for a place or a contact) and what the provider said about it.
/// </summary>
public sealed record InboundMedia(MediaKind Kind, string? Source, string? ContentType = null, string? FileName = null,
    long? Size = null, int? DurationSeconds = null, MediaDetails? Details = null)
{
    /// <summary>Bytes the request itself carried (base64 in an API call, an upload from the widget), already in the store.</summary>
    public StoredFile? Stored { get; init; }

    public static InboundMedia Place(double latitude, double longitude, string? name = null, string? address = null) =>
        new(MediaKind.Location, null, Details: new MediaDetails(latitude, longitude, Trim(name, 200), Trim(address, 500)));

    public static InboundMedia ContactCard(string name, IReadOnlyList<string> phones) =>
        new(MediaKind.Contact, null, Details: new MediaDetails(Name: Trim(name, 200), Phones: phones.Take(10).ToArray()));

    private static string? Trim(string? text, int max) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Length > max ? text[..max] : text.Trim();
}

/// <summary>
/// The line a message with media and no caption stands for, in the list's preview and in search: "📷 Foto",
/// "🎤 Áudio 0:14", "📄 contrato.pdf". Stored as the message's text, so every reader of the text (preview, search, API, an
/// old client) has something true to show; the thread recognises it and shows the media alone.
/// </summary>
public static class MediaLabel
{
    public static string For(IReadOnlyList<InboundMedia> media) =>
        media.Count == 0 ? "" : For(media[0].Kind, media[0].FileName, media[0].DurationSeconds, media[0].Details);

    public static string For(MediaKind kind, string? fileName, int? durationSeconds, MediaDetails? details) => kind switch
    {
        MediaKind.Image => "📷 Foto",
        MediaKind.Sticker => "🏷️ Figurinha",
        MediaKind.Video => "🎥 Vídeo" + Duration(durationSeconds),
        MediaKind.Voice or MediaKind.Audio => "🎤 Áudio" + Duration(durationSeconds),
        MediaKind.Document => "📄 " + (string.IsNullOrWhiteSpace(fileName) ? "Documento" : fileName),
        MediaKind.Location => "📍 " + (details?.Name ?? "Localização"),
        MediaKind.Contact => "👤 " + (details?.Name ?? "Contato"),
        _ => "📎 Anexo",
    };

    private static string Duration(int? seconds) =>
        seconds is int s && s > 0 ? " " + TimeSpan.FromSeconds(s).ToString(s >= 3600 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture) : "";
}
