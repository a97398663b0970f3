using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels.Line;

/// <summary>What one LINE webhook call carries: text messages (maybe none; <c>{"events":[]}</c> is the console's verify call), how many events were skipped, or why it is malformed.</summary>
public sealed record LineEvents(IReadOnlyList<InboundMessage> Messages, int Skipped, string? Error)
{
    /// <summary>Events that could not be understood: the others are still processed, these are kept for an admin.</summary>
    public IReadOnlyList<UnreadableEvent> Unreadable { get; init; } = [];

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
        using var document = WebhookJson.Parse(body, out var jsonError);
        if (document is null)
        {
            return LineEvents.Invalid(jsonError!);
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            return LineEvents.Invalid("O corpo deve ser um objeto com a lista events[] do LINE.");
        }

        var messages = new List<InboundMessage>();
        var skipped = 0;
        var unreadable = new List<UnreadableEvent>();
        foreach (var item in events.EnumerateArray())
        {
            if (Read(item) is { } error)
            {
                unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(item), error));
            }
        }

        return new LineEvents(messages, skipped, null) { Unreadable = unreadable };

        // Null when the event was stored or skipped; otherwise why it cannot be understood.
        string? Read(JsonElement item)
        {
            if (item.ValueKind != JsonValueKind.Object || StringOf(item, "type") is not { Length: > 0 } type)
            {
                return "Cada evento deve ser um objeto com type.";
            }

            if (type != "message")
            {
                skipped++;
                return null;
            }

            var eventId = StringOf(item, "webhookEventId");
            if (!item.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
                || StringOf(message, "type") is not { Length: > 0 } messageType || string.IsNullOrWhiteSpace(eventId))
            {
                return "Cada evento message precisa de webhookEventId e message.type.";
            }

            var userId = item.TryGetProperty("source", out var source) ? StringOf(source, "userId") : null;
            var media = messageType == "text" ? [] : LineMedia.Read(message, messageType);
            if ((messageType != "text" && media.Count == 0) || string.IsNullOrWhiteSpace(userId))
            {
                // Stickers (LINE's own, with no file to fetch), or a group member who has not consented to share the
                // userId: nothing to answer to.
                skipped++;
                return null;
            }

            var text = messageType == "text" ? StringOf(message, "text") : MediaLabel.For(media);
            if (string.IsNullOrWhiteSpace(text))
            {
                return "Mensagem de texto sem message.text.";
            }

            if (eventId.Length > 200 || userId.Length > 64)
            {
                return "webhookEventId ou source.userId longo demais.";
            }

            if (text.Length > MessageText.MaxLength)
            {
                return $"message.text passa do limite de {MessageText.MaxLength} caracteres.";
            }

            var sentAt = WebhookJson.FromUnixMilliseconds(WebhookJson.Int64Of(item, "timestamp"));
            // No name in the payload: the id stands in for it until the profile look-up answers.
            messages.Add(new InboundMessage(channelId, userId, userId, eventId, text, sentAt, LookUpProfile: true) { Media = media });
            return null;
        }
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
