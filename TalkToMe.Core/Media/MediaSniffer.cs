using System.Text;

namespace TalkToMe.Core.Media;

/// <summary>
/// What a file really is, from its first bytes (its "magic"), whatever the provider or the sender declared: a <c>.jpg</c>
/// that is HTML is HTML. Only types the thread can show are recognised; anything else is served as a download.
/// </summary>
public static class MediaSniffer
{
    public const string Binary = "application/octet-stream";

    /// <summary>The content's type when the bytes are one we recognise, else null.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8)) return "image/gif";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return "image/webp";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8)) return "audio/wav";
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.StartsWith("OggS"u8)) return "audio/ogg";
        if (head.StartsWith("#!AMR"u8)) return "audio/amr";
        if (head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)) return "audio/mpeg";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return "video/webm";
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            // ISO media: M4A audio or MP4/QuickTime video.
            return head[8..12].SequenceEqual("M4A "u8) ? "audio/mp4" : head[8..10].SequenceEqual("qt"u8) ? "video/quicktime" : "video/mp4";
        }

        if (head.StartsWith("PK"u8)) return "application/zip";
        if (IsMarkup(head, out var svg)) return svg ? "image/svg+xml" : "text/html";
        return null;
    }

    /// <summary>
    /// The type to store and serve: the sniffed one when the bytes are recognised; the declared one when it is a plain
    /// document type we cannot check (a .docx is a zip, a .txt has no magic); never an image, audio or video type the bytes
    /// do not bear out (that is served as <see cref="Binary"/>, a download).
    /// </summary>
    public static string Decide(string? declared, ReadOnlySpan<byte> head)
    {
        var sniffed = Sniff(head);
        var declaredType = declared?.Split(';')[0].Trim().ToLowerInvariant();
        if (sniffed is not null)
        {
            // The zip family (docx, xlsx, odt…) keeps its declared name; everything else is what its bytes say.
            return sniffed == "application/zip" && declaredType is { Length: > 0 } && !IsPlayable(declaredType) ? declaredType : sniffed;
        }

        return declaredType is { Length: > 0 } && !IsPlayable(declaredType) && !IsMarkupType(declaredType) ? declaredType : Binary;
    }

    /// <summary>
    /// An animated WebP: an extended (<c>VP8X</c>) header with its animation flag. Providers allow animated stickers more bytes
    /// (WhatsApp: 500 KB against 100 KB).
    /// </summary>
    public static bool IsAnimatedWebP(ReadOnlySpan<byte> head) =>
        head.Length >= 21 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8) && head[12..16].SequenceEqual("VP8X"u8)
        && (head[20] & 0x02) != 0;

    /// <summary>
    /// A file declared as an image, audio or video whose bytes are markup (a <c>.webp</c> that is an HTML page): a spoof, not
    /// a file to pass on to a customer under the name it claims.
    /// </summary>
    public static bool IsDisguisedMarkup(string? declared, string decided) =>
        IsPlayable(declared?.Split(';')[0].Trim()) && IsMarkupType(decided);

    /// <summary>Images, audio and video the browser shows in the page (SVG never: it can carry script).</summary>
    public static bool IsPlayable(string? contentType) =>
        contentType is not null && !IsMarkupType(contentType)
        && (contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("video/", StringComparison.OrdinalIgnoreCase));

    private static bool IsMarkupType(string contentType) =>
        contentType.Contains("html", StringComparison.OrdinalIgnoreCase) || contentType.Contains("svg", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("xml", StringComparison.OrdinalIgnoreCase) || contentType.Contains("javascript", StringComparison.OrdinalIgnoreCase);

    private static bool IsMarkup(ReadOnlySpan<byte> head, out bool svg)
    {
        var text = Encoding.UTF8.GetString(head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head).TrimStart().ToLowerInvariant();
        svg = text.StartsWith("<svg", StringComparison.Ordinal) || (text.StartsWith("<?xml", StringComparison.Ordinal) && text.Contains("<svg"));
        return svg || text.StartsWith("<!doctype", StringComparison.Ordinal) || text.StartsWith("<html", StringComparison.Ordinal)
            || text.StartsWith("<script", StringComparison.Ordinal) || text.StartsWith("<head", StringComparison.Ordinal)
            || text.StartsWith("<body", StringComparison.Ordinal) || text.StartsWith("<?xml", StringComparison.Ordinal);
    }
}
