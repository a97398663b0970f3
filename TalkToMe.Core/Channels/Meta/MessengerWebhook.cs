using System.Text.Json;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Meta;

/// <summary>
/// What one Messenger/Instagram webhook call carries: customer messages and receipts (maybe none), how many events were
/// skipped, or why it is malformed.
/// </summary>
public sealed record MessengerEvents(IReadOnlyList<InboundMessage> Messages, int Skipped, string? Error)
{
    public IReadOnlyList<MessengerReceipt> Receipts { get; init; } = [];

    /// <summary>Events that could not be understood: the others are still processed, these are kept for an admin.</summary>
    public IReadOnlyList<UnreadableEvent> Unreadable { get; init; } = [];

    public static MessengerEvents Invalid(string error) => new([], 0, error);
}

/// <summary>
/// A delivery (<c>delivery{mids[], watermark}</c>, Messenger's message_deliveries) or read receipt (<c>read{watermark}</c>,
/// Messenger's message_reads; <c>read{mid}</c>, Instagram's messaging_seen) from the customer <paramref name="ContactExternalId"/>:
/// the named messages and every earlier outgoing one of that customer reached <paramref name="Status"/>.
/// </summary>
public sealed record MessengerReceipt(string ContactExternalId, DeliveryStatus Status, IReadOnlyList<string> MessageIds, DateTime? Watermark);

/// <summary>
/// The Messenger Platform webhook payload, shared by Facebook Pages (<c>object: "page"</c>) and Instagram
/// (<c>object: "instagram"</c>): <c>entry[].messaging[]{sender.id, recipient.id, timestamp (ms), message{mid, text, is_echo}}</c>
/// (PROTOCOLS "Facebook Messenger and Instagram"). The payload has no sender name: the contact is named by its id until the
/// profile lookup renames it. Delivery and read receipts become <see cref="MessengerReceipt"/>s; echoes of our own sends and
/// other events (postback, reaction…) are skipped.
/// </summary>
public static class MessengerWebhook
{
    /// <summary>The <c>object</c> value each channel type receives.</summary>
    public static string ObjectFor(ChannelType type) => type == ChannelType.Instagram ? "instagram" : "page";

    public static MessengerEvents Parse(ReadOnlySpan<byte> body, int channelId, ChannelType type)
    {
        using var document = WebhookJson.Parse(body, out var jsonError);
        if (document is null)
        {
            return MessengerEvents.Invalid(jsonError!);
        }

        var root = document.RootElement;
        var expected = ObjectFor(type);
        if (root.ValueKind != JsonValueKind.Object || StringOf(root, "object") is not { } kind)
        {
            return MessengerEvents.Invalid($"O corpo deve ser um objeto com object = \"{expected}\".");
        }

        if (kind != expected)
        {
            return MessengerEvents.Invalid($"object \"{kind}\" não pertence a este canal (esperado \"{expected}\").");
        }

        if (!root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            return MessengerEvents.Invalid("O corpo deve ter a lista entry[].");
        }

        var messages = new List<InboundMessage>();
        var receipts = new List<MessengerReceipt>();
        var skipped = 0;
        var unreadable = new List<UnreadableEvent>();
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("messaging", out var messaging)
                || messaging.ValueKind != JsonValueKind.Array)
            {
                unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(entry), "Cada entry deve ter a lista messaging[]."));
                continue;
            }

            foreach (var item in messaging.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(item), "Cada item de messaging deve ser um objeto."));
                    continue;
                }

                if (item.TryGetProperty("delivery", out var delivery) || item.TryGetProperty("read", out delivery))
                {
                    var status = item.TryGetProperty("delivery", out _) ? DeliveryStatus.Delivered : DeliveryStatus.Read;
                    var receiptError = ReadReceipt(item, delivery, status, receipts);
                    if (receiptError is not null)
                    {
                        unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(item), receiptError));
                    }

                    continue;
                }

                if (!item.TryGetProperty("message", out var message))
                {
                    skipped++; // postback, reaction, referral…: nothing the thread shows yet.
                    continue;
                }

                var error = Read(item, message, channelId, messages, ref skipped);
                if (error is not null)
                {
                    unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(item), error));
                }
            }
        }

        return new MessengerEvents(messages, skipped, null) { Receipts = receipts, Unreadable = unreadable };
    }

    private static string? ReadReceipt(JsonElement item, JsonElement receipt, DeliveryStatus status, List<MessengerReceipt> receipts)
    {
        var name = status == DeliveryStatus.Delivered ? "delivery" : "read";
        if (receipt.ValueKind != JsonValueKind.Object)
        {
            return $"{name} deve ser um objeto.";
        }

        var senderId = item.TryGetProperty("sender", out var sender) ? StringOf(sender, "id") : null;
        if (string.IsNullOrWhiteSpace(senderId) || senderId.Length > 64)
        {
            return $"Cada {name} precisa de sender.id.";
        }

        var mids = new List<string>();
        if (receipt.TryGetProperty("mids", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                return $"{name}.mids deve ser uma lista.";
            }

            mids.AddRange(list.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String)
                .Select(m => m.GetString()!).Where(m => m.Length is > 0 and <= 200));
        }

        if (StringOf(receipt, "mid") is { Length: > 0 and <= 200 } mid)
        {
            mids.Add(mid); // Instagram's messaging_seen names the last message seen.
        }

        // A watermark that is not a number of milliseconds (null, a string, an object…) is no watermark.
        var watermark = WebhookJson.FromUnixMilliseconds(WebhookJson.Int64Of(receipt, "watermark"));
        if (mids.Count == 0 && watermark is null)
        {
            return $"{name} precisa de watermark ou de mids/mid.";
        }

        receipts.Add(new MessengerReceipt(senderId, status, mids, watermark));
        return null;
    }

    private static string? Read(JsonElement item, JsonElement message, int channelId, List<InboundMessage> messages, ref int skipped)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return "message deve ser um objeto.";
        }

        var senderId = item.TryGetProperty("sender", out var sender) ? StringOf(sender, "id") : null;
        var mid = StringOf(message, "mid");
        if (string.IsNullOrWhiteSpace(senderId) || string.IsNullOrWhiteSpace(mid))
        {
            return "Cada mensagem precisa de sender.id e message.mid.";
        }

        if (senderId.Length > 64 || mid.Length > 200)
        {
            return "sender.id ou message.mid longo demais.";
        }

        if (message.TryGetProperty("is_echo", out var echo) && echo.ValueKind == JsonValueKind.True)
        {
            skipped++; // Our own send (or the Page's inbox) coming back.
            return null;
        }

        var text = StringOf(message, "text");
        var media = MetaMedia.Read(message);
        if (string.IsNullOrWhiteSpace(text))
        {
            if (!message.TryGetProperty("attachments", out var attachments) || attachments.ValueKind != JsonValueKind.Array
                || attachments.GetArrayLength() == 0)
            {
                return "Mensagem sem text nem attachments.";
            }

            // Photos, audio, video, files and places become attachments; what we cannot show (a shared post) says where to look.
            var kind = StringOf(attachments[0], "type") ?? "anexo";
            text = media.Count > 0 ? MediaLabel.For(media) : $"[{kind}] (mensagem sem texto; veja no app da Meta)";
        }

        if (text.Length > MessageText.MaxLength)
        {
            return $"message.text passa do limite de {MessageText.MaxLength} caracteres.";
        }

        var sentAt = WebhookJson.FromUnixMilliseconds(WebhookJson.Int64Of(item, "timestamp"));
        // No name in the payload: the id stands in for it until the profile look-up answers.
        messages.Add(new InboundMessage(channelId, senderId, senderId, mid, text, sentAt, LookUpProfile: true) { Media = media });
        return null;
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
