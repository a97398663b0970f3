using System.Text.Json;

namespace TalkToMe.Core.Channels;

/// <summary>
/// One event of a provider delivery that could not be understood (a required field missing or of the wrong kind): the
/// rest of the delivery is still processed and the provider gets its 2xx, and the event is kept, with why, for an admin.
/// <paramref name="Payload"/> is the event's own JSON (or the fields it came to), never headers or signatures.
/// </summary>
public sealed record UnreadableEvent(string Payload, string Reason);

/// <summary>
/// Reading provider JSON without surprises: a body whose strings are not valid Unicode (raw bytes that are not UTF-8, a
/// lone surrogate such as <c>\ud800</c>) is refused as a whole, because System.Text.Json only throws on them later, when a
/// string is read; and numbers are read only when they are numbers and in range, so a wrong type or an absurd timestamp
/// is treated as missing instead of throwing.
/// </summary>
public static class WebhookJson
{
    public const string NotJson = "O corpo não é um JSON válido.";
    public const string InvalidText = "O corpo não é um JSON válido: contém texto que não é Unicode válido (bytes UTF-8 inválidos ou um surrogate isolado, como \\ud800).";

    /// <summary>The latest instant .NET can represent, in Unix seconds; anything later is no time at all.</summary>
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>The parsed document, or null with the reason the body is not valid JSON (syntax, nesting, or text).</summary>
    public static JsonDocument? Parse(ReadOnlySpan<byte> body, out string? error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            error = NotJson;
            return null;
        }

        if (!HasValidText(document.RootElement))
        {
            document.Dispose();
            error = InvalidText;
            return null;
        }

        error = null;
        return document;
    }

    /// <summary>True when every string and property name in the element decodes to valid UTF-16.</summary>
    public static bool HasValidText(JsonElement element)
    {
        try
        {
            return Walk(element);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Walk(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsWellFormed(element.GetString()!);
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!IsWellFormed(property.Name) || !Walk(property.Value))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!Walk(item))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    /// <summary>No unpaired surrogate (System.Text.Json accepts an escaped one and hands it back as is).</summary>
    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The property's value when it is a JSON number that fits a long; null for anything else (string, null, object…).</summary>
    public static long? Int64Of(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value)
        && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : null;

    /// <summary>A Unix time in seconds as a UTC time; null when it is not a number or no representable time after 1970.</summary>
    public static DateTime? FromUnixSeconds(long? seconds) =>
        seconds is { } s && s > 0 && s <= MaxUnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(s).UtcDateTime : null;

    /// <summary>A Unix time in milliseconds as a UTC time; null when out of range.</summary>
    public static DateTime? FromUnixMilliseconds(long? milliseconds) =>
        milliseconds is { } ms && ms > 0 && ms <= MaxUnixSeconds * 1000 + 999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime : null;

    /// <summary>The event's JSON for the unprocessed-deliveries list, cut to <paramref name="maxChars"/>.</summary>
    public static string PayloadOf(JsonElement element, int maxChars = UnprocessedDelivery.MaxPayloadChars)
    {
        var raw = element.GetRawText();
        return raw.Length > maxChars ? raw[..maxChars] : raw;
    }
}
