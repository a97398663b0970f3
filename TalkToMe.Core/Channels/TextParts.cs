using System.Text;

namespace TalkToMe.Core.Channels;

/// <summary>
/// Splits a reply longer than a provider's limit into parts the provider accepts (Telegram and WhatsApp: 4096). Breaks at the
/// last paragraph, line or word boundary inside the limit, never inside a surrogate pair, so each part reads on its own.
/// </summary>
public static class TextParts
{
    /// <summary>
    /// The first <paramref name="maxLength"/> UTF-16 units of <paramref name="text"/>, one fewer when the cut would fall
    /// inside a surrogate pair: half an emoji is not text, and PostgreSQL refuses to store it.
    /// </summary>
    public static string Prefix(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        return char.IsHighSurrogate(text[maxLength - 1]) ? text[..(maxLength - 1)] : text[..maxLength];
    }

    public static IReadOnlyList<string> Split(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        return Split(text, rest => rest.Length > maxLength ? maxLength : -1);
    }

    /// <summary>
    /// Like <see cref="Split(string, int)"/> but the limit is in UTF-8 bytes (Instagram: 1000): no part passes it and no
    /// character is cut in half.
    /// </summary>
    public static IReadOnlyList<string> SplitUtf8(string text, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 8);
        return Split(text, rest =>
        {
            if (Encoding.UTF8.GetByteCount(rest) <= maxBytes)
            {
                return -1;
            }

            // The longest prefix that fits, whole code points only.
            var length = 0;
            var bytes = 0;
            while (length < rest.Length)
            {
                var width = char.IsHighSurrogate(rest[length]) && length + 1 < rest.Length ? 2 : 1;
                var size = Encoding.UTF8.GetByteCount(rest.Slice(length, width));
                if (bytes + size > maxBytes)
                {
                    break;
                }

                bytes += size;
                length += width;
            }

            return length;
        });
    }

    /// <summary>How many chars of the rest may go in the next part, or -1 when the rest fits whole.</summary>
    private delegate int Window(ReadOnlySpan<char> rest);

    private static List<string> Split(string text, Window next)
    {
        var parts = new List<string>();
        var rest = text.AsSpan().Trim();
        int maxLength;
        while ((maxLength = next(rest)) > 0)
        {
            var window = rest[..maxLength];
            var cut = Boundary(window, "\n\n");
            if (cut <= 0)
            {
                cut = Boundary(window, "\n");
            }

            if (cut <= 0)
            {
                cut = Boundary(window, " ");
            }

            if (cut <= maxLength / 2)
            {
                // No boundary in the second half: a hard cut, but not between the halves of a surrogate pair.
                cut = char.IsHighSurrogate(window[maxLength - 1]) ? maxLength - 1 : maxLength;
            }

            var part = rest[..cut].TrimEnd();
            if (part.Length > 0)
            {
                parts.Add(part.ToString());
            }

            rest = rest[cut..].TrimStart();
        }

        if (rest.Length > 0 || parts.Count == 0)
        {
            parts.Add(rest.ToString());
        }

        return parts;
    }

    private static int Boundary(ReadOnlySpan<char> window, string separator)
    {
        var at = window.LastIndexOf(separator.AsSpan());
        return at < 0 ? -1 : at + separator.Length;
    }
}
