using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Channels.Line;

/// <summary>What one LINE webhook call carries: text messages (maybe none; <c>{"events":[]}</c> is the console's verify call), how many events were skipped, or why it is malformed.</summary>
public sealed record LineEvents(IReadOnlyList<InboundMessage> Messages, int Skipped, string? Error)
{
    public static LineEvents Invalid(string error) => new([], 0, error);
}

/// <summary>
/// The LINE Messaging API webhook (PROTOCOLS "LINE Messaging API"): <c>x-line-signature</c> = Base64(HMAC-SHA256(channel
/// secret, raw body)); <c>events[]{type, webhookEventId (dedupe), timestamp (ms), source.userId, message{id, type, text}}</c>.
/// Only text messages from a user are stored; other events (follow, unfollow, stickers, images…) are acknowledged and skipped.
/// The payload has no name: the contact is named by its userId (the profile API is not called).
/// </summary>
public static class LineWebhook
{
    public const string SignatureHeader = "x-line-signature";

    public static bool HasValidSignature(LineSettings settings, string? header, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(settings.ChannelSecret) || string.IsNullOrEmpty(header))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(settings.ChannelSecret, body)),
            Encoding.ASCII.GetBytes(header.Trim()));
    }

    public static string Sign(string channelSecret, ReadOnlySpan<byte> body) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(channelSecret), body));

    public static LineEvents Parse(ReadOnlySpan<byte> body, int channelId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            return LineEvents.Invalid("O corpo não é um JSON válido.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
            {
                return LineEvents.Invalid("O corpo deve ser um objeto com a lista events[] do LINE.");
            }

            var messages = new List<InboundMessage>();
            var skipped = 0;
            foreach (var item in events.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || StringOf(item, "type") is not { Length: > 0 } type)
                {
                    return LineEvents.Invalid("Cada evento deve ser um objeto com type.");
                }

                if (type != "message")
                {
                    skipped++;
                    continue;
                }

                var eventId = StringOf(item, "webhookEventId");
                if (!item.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
                    || StringOf(message, "type") is not { Length: > 0 } messageType || string.IsNullOrWhiteSpace(eventId))
                {
                    return LineEvents.Invalid("Cada evento message precisa de webhookEventId e message.type.");
                }

                var userId = item.TryGetProperty("source", out var source) ? StringOf(source, "userId") : null;
                if (messageType != "text" || string.IsNullOrWhiteSpace(userId))
                {
                    // Stickers, images…, or a group member who has not consented to share the userId: nothing to answer to.
                    skipped++;
                    continue;
                }

                var text = StringOf(message, "text");
                if (string.IsNullOrWhiteSpace(text))
                {
                    return LineEvents.Invalid("Mensagem de texto sem message.text.");
                }

                if (eventId.Length > 200 || userId.Length > 64)
                {
                    return LineEvents.Invalid("webhookEventId ou source.userId longo demais.");
                }

                if (text.Length > ConversationService.MaxTextLength)
                {
                    return LineEvents.Invalid($"message.text passa do limite de {ConversationService.MaxTextLength} caracteres.");
                }

                DateTime? sentAt = item.TryGetProperty("timestamp", out var timestamp) && timestamp.TryGetInt64(out var ms)
                    && ms is > 0 and < 253402300799999
                    ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime
                    : null;
                messages.Add(new InboundMessage(channelId, userId, userId, eventId, text, sentAt));
            }

            return new LineEvents(messages, skipped, null);
        }
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
