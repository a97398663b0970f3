using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TalkToMe.Core.Conversations.Search;

/// <summary>
/// What an agent typed in the inbox search, as words: each must begin a word of the contact's name or of a message
/// ("mari pedi" finds "Mariana: meu pedido"), in any case and with or without accents ("joao" finds "João"). The same
/// words drive the full-text index of each engine (SQLite FTS5, PostgreSQL tsvector) and the highlight in the list.
/// </summary>
public sealed partial record SearchTerms
{
    /// <summary>More words narrow nothing a person would notice, and each one is a term of the index query.</summary>
    public const int MaxWords = 8;

    private const int MaxWordLength = 64;

    private SearchTerms(IReadOnlyList<string> words) => Words = words;

    /// <summary>Folded words (lower case, no accents), distinct, in the order typed.</summary>
    public IReadOnlyList<string> Words { get; }

    public bool IsEmpty => Words.Count == 0;

    public static SearchTerms Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new SearchTerms([]);
        }

        var words = Word().Matches(Fold(text)).Select(m => m.Value.Length > MaxWordLength ? m.Value[..MaxWordLength] : m.Value)
            .Distinct(StringComparer.Ordinal).Take(MaxWords).ToList();
        return new SearchTerms(words);
    }

    /// <summary>
    /// An FTS5 query: every word as a quoted prefix (quotes keep FTS5's operators out of what people type), limited to
    /// <paramref name="column"/> when the table indexes other columns too (MessageSearch's "ConversationId").
    /// </summary>
    public string ToFts5(string? column = null) =>
        string.Join(" AND ", Words.Select(w => $"{(column is null ? "" : column + " : ")}\"{w}\"*"));

    /// <summary>True when every word begins a word of <paramref name="text"/> (folded as the index folds it).</summary>
    public bool IsIn(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return IsEmpty;
        }

        var folded = Fold(text);
        foreach (var term in Words)
        {
            if (!BeginsAWord(folded, term))
            {
                return false;
            }
        }

        return true;
    }

    // A word is a run of letters and digits (Word()), and a term is made of them: an occurrence that no letter or digit
    // precedes begins a word. Cutting the text into words first cost most of a search's walk along the list.
    private static bool BeginsAWord(string folded, string term)
    {
        for (var at = folded.IndexOf(term, StringComparison.Ordinal); at >= 0; at = folded.IndexOf(term, at + 1, StringComparison.Ordinal))
        {
            if (at == 0 || !(char.IsLetter(folded[at - 1]) || char.IsNumber(folded[at - 1])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A PostgreSQL tsquery text for <c>to_tsquery('simple', …)</c>: every word as a prefix.</summary>
    public string ToTsQuery() => string.Join(" & ", Words.Select(w => w + ":*"));

    /// <summary>
    /// The text cut into runs, marking each part of a word that a search word begins (compared folded). Drives the
    /// highlight of the contact name and the matched message in the list.
    /// </summary>
    public IReadOnlyList<(string Text, bool Marked)> Highlight(string? text)
    {
        if (string.IsNullOrEmpty(text) || IsEmpty)
        {
            return string.IsNullOrEmpty(text) ? [] : [(text, false)];
        }

        var runs = new List<(string, bool)>();
        var at = 0;
        foreach (Match word in Word().Matches(text))
        {
            var folded = Fold(word.Value);
            // Folding keeps one character per character for precomposed letters; anything else is left unmarked.
            if (folded.Length != word.Length || Words.Where(w => folded.StartsWith(w, StringComparison.Ordinal)).MaxBy(w => w.Length) is not { } term)
            {
                continue;
            }

            if (word.Index > at)
            {
                runs.Add((text[at..word.Index], false));
            }

            runs.Add((word.Value[..term.Length], true));
            at = word.Index + term.Length;
        }

        if (at < text.Length)
        {
            runs.Add((text[at..], false));
        }

        return runs;
    }

    /// <summary>
    /// A one-line excerpt of <paramref name="text"/> of at most <paramref name="maxLength"/> characters around its first
    /// match, with "…" where it was cut: the part of a long message that made it a result.
    /// </summary>
    public string Snippet(string text, int maxLength = Conversation.PreviewLength)
    {
        var oneLine = text.ReplaceLineEndings(" ").Trim();
        if (oneLine.Length <= maxLength)
        {
            return oneLine;
        }

        var first = 0;
        foreach (var (run, marked) in Highlight(oneLine))
        {
            if (marked)
            {
                break;
            }

            first += run.Length;
        }

        if (first >= oneLine.Length || first < maxLength / 3)
        {
            return Conversation.Shorten(oneLine);
        }

        // Some words of context before the match, then as much as fits.
        var start = oneLine.LastIndexOf(' ', first - 1, Math.Min(first, 30)) is var space and > 0 ? space + 1 : first;
        var rest = "…" + oneLine[start..];
        return rest.Length <= maxLength ? rest : Channels.TextParts.Prefix(rest, maxLength - 1) + "…";
    }

    /// <summary>Lower case without accents, one character per precomposed character ("João" → "joao").</summary>
    public static string Fold(string text) => string.Create(text.Length, text, static (folded, text) =>
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            folded[i] = c < FoldedLatin.Length ? FoldedLatin[c] : FoldOne(c);
        }
    });

    /// <summary>
    /// Every character up to the end of Latin Extended-B (ASCII, the accented letters of Portuguese, Spanish, French…)
    /// folded once. A search tests each message of a chunk of conversations, and a decomposition per accented character
    /// cost 50 times a lookup.
    /// </summary>
    private static readonly char[] FoldedLatin = Enumerable.Range(0, 0x250).Select(c => FoldOne((char)c)).ToArray();

    private static char FoldOne(char c)
    {
        if (char.IsAscii(c))
        {
            return char.ToLowerInvariant(c);
        }

        if (char.IsSurrogate(c))
        {
            return c;
        }

        foreach (var part in c.ToString().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(part) != UnicodeCategory.NonSpacingMark)
            {
                return char.ToLowerInvariant(part);
            }
        }

        return c;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();
}
