using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels.Telegram;

/// <summary>What one Telegram webhook call came to: a customer message, an update we do not handle (still 200), or a malformed body.</summary>
/// <remarks>
/// <see cref="Error"/> is for a body that is not a JSON object (400); an Update that is JSON but cannot be understood is
/// <see cref="Unreadable"/>: acknowledged (Telegram would redeliver it for a day) and kept for an admin to see.
/// </remarks>
public sealed record TelegramUpdateResult(InboundMessage? Message, string? Ignored, string? Error)
{
    public UnreadableEvent? Unreadable { get; init; }

    public static TelegramUpdateResult Invalid(string error) => new(null, null, error);
}

/// <summary>
/// Reads a Telegram Bot API <c>Update</c> (PROTOCOLS "Telegram Bot API"): <c>update_id</c> is the dedupe key,
/// <c>message.chat.id</c> the contact (replies go there), the name comes from <c>message.from</c>.
/// </summary>
public static class TelegramUpdate
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    /// <summary>Kinds of message without text: the media ones become attachments, the rest (a poll) a line saying where to look.</summary>
    private static readonly string[] MediaKinds =
        ["photo", "video", "voice", "audio", "document", "sticker", "animation", "video_note", "location", "contact", "poll"];

    /// <summary>The header must equal the secret given to setWebhook (constant-time; an empty configured secret accepts nothing).</summary>
    public static bool HasValidSecret(TelegramSettings settings, string? header)
    {
        if (string.IsNullOrEmpty(settings.WebhookSecretToken) || string.IsNullOrEmpty(header))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), Encoding.UTF8.GetBytes(settings.WebhookSecretToken));
    }

    public static TelegramUpdateResult Parse(ReadOnlySpan<byte> body, int channelId)
    {
        using var document = WebhookJson.Parse(body, out var error);
        if (document is null)
        {
            return TelegramUpdateResult.Invalid(error!);
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return TelegramUpdateResult.Invalid("O corpo deve ser um objeto Update do Telegram.");
        }

        TelegramUpdateResult Unreadable(string reason) => new(null, null, null) { Unreadable = new UnreadableEvent(WebhookJson.PayloadOf(root), reason) };

        if (!root.TryGetProperty("update_id", out var updateId) || updateId.ValueKind != JsonValueKind.Number
            || !updateId.TryGetInt64(out var id))
        {
            return Unreadable("O Update não tem update_id numérico.");
        }

        if (!root.TryGetProperty("message", out var message))
        {
            // Edits, channel posts, membership changes…: acknowledged so Telegram does not retry them.
            return new TelegramUpdateResult(null, "Update sem mensagem nova: ignorado.", null);
        }

        if (message.ValueKind != JsonValueKind.Object)
        {
            return Unreadable("message deve ser um objeto.");
        }

        if (!message.TryGetProperty("chat", out var chat) || chat.ValueKind != JsonValueKind.Object
            || !chat.TryGetProperty("id", out var chatId) || chatId.ValueKind != JsonValueKind.Number || !chatId.TryGetInt64(out var chatNumber))
        {
            return Unreadable("message.chat.id é obrigatório e numérico.");
        }

        var media = TelegramMedia.Read(message);
        var text = StringOf(message, "text") ?? StringOf(message, "caption");
        if (string.IsNullOrWhiteSpace(text))
        {
            var kind = MediaKinds.FirstOrDefault(k => message.TryGetProperty(k, out _));
            if (kind is null && media.Count == 0)
            {
                return new TelegramUpdateResult(null, "Mensagem de serviço sem texto: ignorada.", null);
            }

            // A photo without a caption reads "📷 Foto" in the list; what we cannot show (a poll) says where to look.
            text = media.Count > 0 ? MediaLabel.For(media) : $"[{kind}] (mensagem sem texto; veja no Telegram)";
        }

        if (text.Length > MessageText.MaxLength)
        {
            return Unreadable($"message.text passa do limite de {MessageText.MaxLength} caracteres.");
        }

        // A date that is not a plausible Unix time is no date: the message keeps the time it arrived.
        var sentAt = WebhookJson.FromUnixSeconds(WebhookJson.Int64Of(message, "date"));

        return new TelegramUpdateResult(new InboundMessage(channelId, chatNumber.ToString(CultureInfo.InvariantCulture),
            NameOf(message), id.ToString(CultureInfo.InvariantCulture), text, sentAt) { Media = media }, null, null);
    }

    private static string? NameOf(JsonElement message)
    {
        if (!message.TryGetProperty("from", out var from) || from.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var name = string.Join(' ', new[] { StringOf(from, "first_name"), StringOf(from, "last_name") }
            .Where(n => !string.IsNullOrWhiteSpace(n))).Trim();
        if (name.Length == 0)
        {
            name = StringOf(from, "username") is { Length: > 0 } username ? "@" + username : "";
        }

        return name.Length == 0 ? null : name.Length > 200 ? name[..200] : name;
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
