using System.Security.Cryptography;
using System.Text;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Sms;

/// <summary>A Twilio status callback for one of our sends.</summary>
public sealed record TwilioStatus(string MessageSid, DeliveryStatus? Status, string? Reason);

/// <summary>One Twilio webhook call: an incoming SMS, a status callback, or why it is malformed.</summary>
public sealed record TwilioEvent(InboundMessage? Message, TwilioStatus? Status, string? Error)
{
    public static TwilioEvent Invalid(string error) => new(null, null, error);
}

/// <summary>
/// Twilio's form-encoded webhooks (PROTOCOLS "Twilio SMS"): X-Twilio-Signature over the URL Twilio called plus every POST
/// parameter sorted by key; incoming messages and status callbacks arrive at the same channel URL and are told apart by
/// <c>MessageStatus</c>, which only status callbacks carry.
/// </summary>
public static class TwilioWebhook
{
    public const string SignatureHeader = "X-Twilio-Signature";
    public const string EmptyTwiml = "<Response></Response>";

    /// <summary>Base64(HMAC-SHA1(auth token, url + k1 + v1 + k2 + v2 …)), keys sorted ordinally.</summary>
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(key).Append(value);
        }

        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    public static bool HasValidSignature(TwilioSmsSettings settings, string? header, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        if (string.IsNullOrEmpty(settings.AuthToken) || string.IsNullOrEmpty(header))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(settings.AuthToken, url, parameters)),
            Encoding.ASCII.GetBytes(header.Trim()));
    }

    public static TwilioEvent Parse(IReadOnlyDictionary<string, string> form, int channelId, TwilioSmsSettings settings)
    {
        var sid = form.GetValueOrDefault("MessageSid") ?? form.GetValueOrDefault("SmsSid");
        if (string.IsNullOrWhiteSpace(sid) || sid.Length > 64)
        {
            return TwilioEvent.Invalid("MessageSid é obrigatório.");
        }

        if (!string.IsNullOrEmpty(settings.AccountSid) && form.GetValueOrDefault("AccountSid") is { } account && account != settings.AccountSid)
        {
            return TwilioEvent.Invalid("AccountSid não é a conta deste canal.");
        }

        if (form.GetValueOrDefault("MessageStatus") is { Length: > 0 } state)
        {
            DeliveryStatus? status = state switch
            {
                "sent" => DeliveryStatus.Sent,
                "delivered" => DeliveryStatus.Delivered,
                "read" => DeliveryStatus.Read,
                "undelivered" or "failed" => DeliveryStatus.Failed,
                _ => null, // queued, accepted, sending…: still on its way, nothing new to show.
            };
            var code = form.GetValueOrDefault("ErrorCode");
            var reason = status == DeliveryStatus.Failed
                ? $"Twilio: {(state == "undelivered" ? "não entregue" : "falhou")}" + (string.IsNullOrEmpty(code) ? "" : $" (erro {code})")
                : null;
            return new TwilioEvent(null, new TwilioStatus(sid, status, reason), null);
        }

        var from = form.GetValueOrDefault("From");
        if (string.IsNullOrWhiteSpace(from) || from.Length > 64)
        {
            return TwilioEvent.Invalid("From é obrigatório.");
        }

        var body = form.GetValueOrDefault("Body");
        var media = TwilioMedia.Read(form);
        if (string.IsNullOrWhiteSpace(body))
        {
            if (!int.TryParse(form.GetValueOrDefault("NumMedia"), out var count) || count <= 0)
            {
                return TwilioEvent.Invalid("Body é obrigatório.");
            }

            body = media.Count > 0 ? MediaLabel.For(media) : "[mídia] (mensagem sem texto; veja no Twilio)";
        }

        if (body.Length > MessageText.MaxLength)
        {
            return TwilioEvent.Invalid($"Body passa do limite de {MessageText.MaxLength} caracteres.");
        }

        // No timestamp and no name in Twilio's payload: the receive time and the number stand in.
        return new TwilioEvent(new InboundMessage(channelId, from.Trim(), null, sid, body, ContactPhone: from.Trim()) { Media = media }, null, null);
    }
}
