using System.Globalization;
using System.Text.Json;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>A status callback for one of our sends: <c>statuses[]</c> in the webhook.</summary>
public sealed record WhatsAppStatus(string ProviderMessageId, DeliveryStatus Status, string? Reason);

/// <summary>What one webhook call carries: customer messages and delivery statuses (either may be empty), or why it is malformed.</summary>
public sealed record WhatsAppEvents(IReadOnlyList<InboundMessage> Messages, IReadOnlyList<WhatsAppStatus> Statuses, string? Error)
{
    /// <summary>Events that could not be understood: the others are still processed, these are kept for an admin.</summary>
    public IReadOnlyList<UnreadableEvent> Unreadable { get; init; } = [];

    public static WhatsAppEvents Invalid(string error) => new([], [], error);
}

/// <summary>
/// The WhatsApp Cloud API webhook (PROTOCOLS "WhatsApp Business Cloud API"): the GET verify handshake, the
/// X-Hub-Signature-256 check over the raw body, and the <c>entry[].changes[].value</c> payload.
/// </summary>
public static class WhatsAppWebhook
{
    public const string SignatureHeader = MetaSignature.Header;

    /// <summary>Meta's error code for a free-form message outside the 24-hour customer service window.</summary>
    public const int WindowClosedErrorCode = 131047;

    /// <summary>hub.mode must be "subscribe" and hub.verify_token the channel's verify token (an empty one verifies nothing).</summary>
    public static bool IsValidHandshake(WhatsAppSettings settings, string? mode, string? verifyToken) =>
        MetaSignature.IsValidHandshake(settings.VerifyToken, mode, verifyToken);

    /// <summary>"sha256=" + lowercase hex HMAC-SHA256(app secret, raw body), compared in constant time.</summary>
    public static bool HasValidSignature(WhatsAppSettings settings, string? header, ReadOnlySpan<byte> body) =>
        MetaSignature.IsValid(settings.AppSecret, header, body);

    public static string Sign(string appSecret, ReadOnlySpan<byte> body) => MetaSignature.Sign(appSecret, body);

    public static WhatsAppEvents Parse(ReadOnlySpan<byte> body, int channelId, WhatsAppSettings settings)
    {
        using var document = WebhookJson.Parse(body, out var jsonError);
        if (document is null)
        {
            return WhatsAppEvents.Invalid(jsonError!);
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("entry", out var entries)
            || entries.ValueKind != JsonValueKind.Array)
        {
            return WhatsAppEvents.Invalid("O corpo deve ser um objeto com a lista entry[] do WhatsApp.");
        }

        var messages = new List<InboundMessage>();
        var statuses = new List<WhatsAppStatus>();
        var unreadable = new List<UnreadableEvent>();
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("changes", out var changes)
                || changes.ValueKind != JsonValueKind.Array)
            {
                unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(entry), "Cada entry deve ter a lista changes[]."));
                continue;
            }

            foreach (var change in changes.EnumerateArray())
            {
                if (change.ValueKind != JsonValueKind.Object || !change.TryGetProperty("value", out var value)
                    || value.ValueKind != JsonValueKind.Object)
                {
                    unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(change), "Cada change deve ter um objeto value."));
                    continue;
                }

                if (!string.IsNullOrEmpty(settings.PhoneNumberId) && value.TryGetProperty("metadata", out var metadata)
                    && StringOf(metadata, "phone_number_id") is { } phoneNumberId && phoneNumberId != settings.PhoneNumberId)
                {
                    // Another number of the same app: not this channel's conversation.
                    continue;
                }

                ReadMessages(value, channelId, messages, unreadable);
                ReadStatuses(value, statuses, unreadable);
            }
        }

        return new WhatsAppEvents(messages, statuses, null) { Unreadable = unreadable };
    }

    private static void ReadMessages(JsonElement value, int channelId, List<InboundMessage> messages, List<UnreadableEvent> unreadable)
    {
        if (!value.TryGetProperty("messages", out var list))
        {
            return;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(value), "messages deve ser uma lista."));
            return;
        }

        var names = new Dictionary<string, string>();
        if (value.TryGetProperty("contacts", out var contacts) && contacts.ValueKind == JsonValueKind.Array)
        {
            foreach (var contact in contacts.EnumerateArray())
            {
                if (StringOf(contact, "wa_id") is { Length: > 0 } waId && contact.TryGetProperty("profile", out var profile)
                    && StringOf(profile, "name") is { Length: > 0 } name)
                {
                    names[waId] = name.Length > 200 ? name[..200] : name;
                }
            }
        }

        foreach (var message in list.EnumerateArray())
        {
            if (ReadMessage(message, channelId, names) is { } error)
            {
                unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(message), error));
            }
        }

        string? ReadMessage(JsonElement message, int channelId, Dictionary<string, string> names)
        {
            var from = StringOf(message, "from");
            var id = StringOf(message, "id");
            var type = StringOf(message, "type");
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(type))
            {
                return "Cada mensagem precisa de from, id e type.";
            }

            if (id.Length > 200 || from.Length > 64)
            {
                return "id ou from da mensagem longo demais.";
            }

            string? text;
            string? answer = null;
            IReadOnlyList<InboundMedia> media = [];
            if (type == "text")
            {
                text = message.TryGetProperty("text", out var textObject) ? StringOf(textObject, "body") : null;
                if (string.IsNullOrWhiteSpace(text))
                {
                    return "Mensagem de texto sem text.body.";
                }
            }
            else if (type == "button" && message.TryGetProperty("button", out var button) && StringOf(button, "text") is { Length: > 0 } label)
            {
                text = label;
            }
            else if (type == "interactive" && Picked(message) is { } picked)
            {
                // A row of a list we sent (or a reply button): the thread shows its title, a waiting "Avaliação" reads the
                // score its id carries, exactly as if the customer had typed the number.
                text = picked.Title;
                answer = RatingScale.ScoreOf(picked.Id)?.ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                // Media, places and contact cards become attachments; what we cannot show (a reaction) says where to look.
                media = WhatsAppMedia.Read(message, type);
                text = message.TryGetProperty(type, out var part) && StringOf(part, "caption") is { Length: > 0 } caption
                    ? caption
                    : media.Count > 0 ? MediaLabel.For(media) : $"[{type}] (mensagem sem texto; veja no WhatsApp)";
            }

            if (text.Length > MessageText.MaxLength)
            {
                return $"text.body passa do limite de {MessageText.MaxLength} caracteres.";
            }

            // WhatsApp sends Unix seconds as a string; anything that is not a plausible time leaves the arrival time.
            var sentAt = WebhookJson.FromUnixSeconds(long.TryParse(StringOf(message, "timestamp"), NumberStyles.None,
                CultureInfo.InvariantCulture, out var seconds) ? seconds : null);
            messages.Add(new InboundMessage(channelId, from, names.GetValueOrDefault(from), id, text, sentAt, ContactPhone: "+" + from,
                Answer: answer) { Media = media });
            return null;
        }
    }

    /// <summary>
    /// <c>interactive.list_reply</c> (a list row) or <c>interactive.button_reply</c> (a reply button): the option's id and
    /// title (its id when the title is missing).
    /// </summary>
    private static (string Id, string Title)? Picked(JsonElement message)
    {
        if (!message.TryGetProperty("interactive", out var interactive) || StringOf(interactive, "type") is not { } kind
            || kind is not ("list_reply" or "button_reply") || !interactive.TryGetProperty(kind, out var reply)
            || StringOf(reply, "id") is not { Length: > 0 } id)
        {
            return null;
        }

        return (id, StringOf(reply, "title") is { Length: > 0 } title ? title : id);
    }

    private static void ReadStatuses(JsonElement value, List<WhatsAppStatus> statuses, List<UnreadableEvent> unreadable)
    {
        if (!value.TryGetProperty("statuses", out var list))
        {
            return;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(value), "statuses deve ser uma lista."));
            return;
        }

        foreach (var status in list.EnumerateArray())
        {
            var id = StringOf(status, "id");
            var state = StringOf(status, "status");
            if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(state) || id.Length > 200)
            {
                unreadable.Add(new UnreadableEvent(WebhookJson.PayloadOf(status), "Cada status precisa de id e status."));
                continue;
            }

            DeliveryStatus? mapped = state switch
            {
                "sent" => DeliveryStatus.Sent,
                "delivered" => DeliveryStatus.Delivered,
                "read" => DeliveryStatus.Read,
                "failed" => DeliveryStatus.Failed,
                _ => null, // "deleted", "warning"…: nothing the thread shows.
            };
            if (mapped is { } delivery)
            {
                statuses.Add(new WhatsAppStatus(id, delivery, delivery == DeliveryStatus.Failed ? FailureReason(status) : null));
            }
        }
    }

    private static string FailureReason(JsonElement status)
    {
        if (!status.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
        {
            return "O WhatsApp não entregou a mensagem.";
        }

        var error = errors[0];
        var code = WebhookJson.Int64Of(error, "code") is long number && number is >= int.MinValue and <= int.MaxValue ? (int)number : (int?)null;
        if (code == WindowClosedErrorCode)
        {
            return ReplyWindow.ClosedMessage;
        }

        var title = StringOf(error, "title") ?? StringOf(error, "message") ?? "Falha no WhatsApp";
        var details = error.TryGetProperty("error_data", out var data) ? StringOf(data, "details") : null;
        return $"{title}{(details is null || details == title ? "" : ": " + details)}{(code is null ? "" : $" ({code})")}";
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
