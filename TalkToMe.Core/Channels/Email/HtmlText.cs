using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace TalkToMe.Core.Channels.Email;

/// <summary>
/// An HTML-only mail as readable plain text: tags removed, block elements and <c>&lt;br&gt;</c> as line breaks, list items as
/// "- " lines, entities decoded, the contents of <c>&lt;script&gt;</c>, <c>&lt;style&gt;</c> and <c>&lt;head&gt;</c> dropped, runs of
/// blank lines folded into one. The result is shown as text, never rendered as markup.
/// </summary>
public static partial class HtmlText
{
    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section",
        "table", "tbody", "tfoot", "thead", "tr", "ul", "body", "html",
    };

    private static readonly HashSet<string> Paragraphs = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre",
    };

    [GeneratedRegex(@"<!--.*?(?:-->|$)", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"<(script|style|head|title|template|noscript)\b[^>]*>.*?(?:</\1\s*>|$)", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Hidden();

    [GeneratedRegex(@"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b(?:[^>""']|""[^""]*""|'[^']*')*>|<[!?][^>]*>|[^<]+|<")]
    private static partial Regex Token();

    [GeneratedRegex(@"[ \t\r\n\f]+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();

    public static string ToPlainText(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return "";
        }

        html = Hidden().Replace(Comment().Replace(html, ""), "");
        var text = new StringBuilder(html.Length);
        var pre = 0;
        foreach (Match token in Token().Matches(html))
        {
            if (!token.Groups[2].Success)
            {
                if (token.Value.StartsWith("<!", StringComparison.Ordinal) || token.Value.StartsWith("<?", StringComparison.Ordinal))
                {
                    continue; // <!DOCTYPE …>, <![CDATA[…]]>, processing instructions
                }

                var chunk = pre > 0 ? token.Value.Replace("\r\n", "\n") : Whitespace().Replace(token.Value, " ");
                text.Append(WebUtility.HtmlDecode(chunk));
                continue;
            }

            var closing = token.Groups[1].Value == "/";
            var name = token.Groups[2].Value;
            if (name.Equals("br", StringComparison.OrdinalIgnoreCase))
            {
                text.Append('\n');
            }
            else if (name.Equals("li", StringComparison.OrdinalIgnoreCase))
            {
                if (!closing)
                {
                    text.Append("\n- ");
                }
            }
            else if (closing && (name.Equals("td", StringComparison.OrdinalIgnoreCase) || name.Equals("th", StringComparison.OrdinalIgnoreCase)))
            {
                text.Append(' ');
            }
            else if (Blocks.Contains(name))
            {
                if (name.Equals("pre", StringComparison.OrdinalIgnoreCase))
                {
                    pre = Math.Max(0, pre + (closing ? -1 : 1));
                }

                text.Append(Paragraphs.Contains(name) ? "\n\n" : "\n");
            }
        }

        var lines = text.ToString().Replace('\u00A0', ' ').Split('\n').Select(line => line.Trim());
        return BlankLines().Replace(string.Join('\n', lines), "\n\n").Trim();
    }
}
