namespace TalkToMe.Core.Channels;

/// <summary>
/// Splits a reply longer than a provider's limit into parts the provider accepts (Telegram and WhatsApp: 4096). Breaks at the
/// last paragraph, line or word boundary inside the limit, never inside a surrogate pair, so each part reads on its own.
/// </summary>
public static class TextParts
{
    public static IReadOnlyList<string> Split(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var parts = new List<string>();
        var rest = text.AsSpan().Trim();
        while (rest.Length > maxLength)
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
