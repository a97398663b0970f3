using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TalkToMe.Core.Flows;

/// <summary>Answers stored by flows: a flat JSON object of text values, on a contact or a conversation.</summary>
public static partial class Attributes
{
    public static IReadOnlyDictionary<string, string> Read(string? json)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        try
        {
            if (JsonNode.Parse(json) is JsonObject obj)
            {
                foreach (var (key, value) in obj)
                {
                    result[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
                }
            }
        }
        catch (JsonException)
        {
            // A hand-edited or legacy value must not stop a flow: it reads as no answers.
        }

        return result;
    }

    public static string With(string? json, string key, string value)
    {
        var values = new SortedDictionary<string, string>(Read(json).ToDictionary(p => p.Key, p => p.Value), StringComparer.OrdinalIgnoreCase)
        {
            [key] = value,
        };
        return JsonSerializer.Serialize(values);
    }

    /// <summary>Replaces {{key}} with the stored answer (conversation first, then contact); unknown keys become empty.</summary>
    public static string Fill(string text, params IReadOnlyDictionary<string, string>[] sources) =>
        Placeholder().Replace(text, match =>
        {
            var key = match.Groups[1].Value;
            foreach (var source in sources)
            {
                if (source.TryGetValue(key, out var value))
                {
                    return value;
                }
            }

            return "";
        });

    [GeneratedRegex(@"\{\{\s*([\p{L}\p{N}_\-\.]+)\s*\}\}")]
    private static partial Regex Placeholder();
}
