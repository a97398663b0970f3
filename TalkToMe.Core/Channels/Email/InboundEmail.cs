using System.Globalization;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Channels.Email;

/// <summary>One incoming mail as both providers describe it: who wrote, what they wrote, and the threading headers.</summary>
public sealed record InboundEmail(
    string FromAddress,
    string? FromName,
    string Subject,
    string Text,
    string? MessageId,
    string? InReplyTo,
    IReadOnlyList<string> References);

/// <summary>A file that came with a mail: only its name and size are kept (attachments are not stored yet).</summary>
public sealed record EmailAttachment(string Name, long Size);

public sealed record InboundEmailResult(InboundEmail? Mail, string? Error)
{
    /// <summary>
    /// Postmark's JSON that is a mail object but not one we can store (no sender, no text…): acknowledged, so Postmark does
    /// not retry it, and kept for an admin. Null for a body that is no JSON object at all (<see cref="Error"/>, 400).
    /// </summary>
    public UnreadableEvent? Unreadable { get; init; }

    public static InboundEmailResult Invalid(string error) => new(null, error);
}

/// <summary>
/// Reads Postmark's inbound JSON and Mailgun's inbound form (PROTOCOLS "E-mail"), and checks their credentials:
/// Postmark has no signature, so its URL carries Basic auth; Mailgun signs <c>timestamp + token</c> with HMAC-SHA256.
/// </summary>
public static partial class InboundEmailParser
{
    /// <summary>Mailgun signatures older (or further ahead) than this are refused: a captured request cannot be replayed later.</summary>
    public static readonly TimeSpan MailgunMaxAge = TimeSpan.FromMinutes(15);

    /// <summary>At most this many attachment names are listed; the rest are counted.</summary>
    public const int MaxListedAttachments = 20;

    [GeneratedRegex(@"<[^<>\s]+>")]
    private static partial Regex MessageIdPattern();

    /// <summary>The Message-IDs in a header value, each with its angle brackets, in the order written.</summary>
    public static List<string> MessageIds(string? header) =>
        string.IsNullOrWhiteSpace(header) ? [] : MessageIdPattern().Matches(header).Select(m => m.Value).ToList();

    /// <summary>Basic auth with any user name and the channel's password (constant-time). An empty configured password accepts nothing.</summary>
    public static bool HasValidBasicAuth(EmailSettings settings, string authorization)
    {
        if (string.IsNullOrEmpty(settings.InboundWebhookPassword)
            || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':');
        var password = colon < 0 ? "" : decoded[(colon + 1)..];
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(settings.InboundWebhookPassword));
    }

    /// <summary>Null when the signature is right and fresh; otherwise the reason it is refused.</summary>
    public static string? MailgunSignatureProblem(EmailSettings settings, string timestamp, string token, string signature, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(settings.MailgunSigningKey))
        {
            return "O canal não tem a chave de assinatura do Mailgun configurada.";
        }

        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(settings.MailgunSigningKey));
        var expected = Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(timestamp + token)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(signature.Trim().ToLowerInvariant())))
        {
            return "A assinatura do Mailgun não confere com a chave do canal.";
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return "timestamp do Mailgun inválido.";
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
        return age.Duration() > MailgunMaxAge
            ? $"A assinatura do Mailgun é de {DateTimeOffset.FromUnixTimeSeconds(seconds):u}: mais de {MailgunMaxAge.TotalMinutes:0} minutos de diferença."
            : null;
    }

    public static InboundEmailResult ParsePostmark(ReadOnlySpan<byte> body)
    {
        using var document = WebhookJson.Parse(body, out var jsonError);
        if (document is null)
        {
            return InboundEmailResult.Invalid(jsonError!);
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return InboundEmailResult.Invalid("O corpo deve ser o objeto JSON de e-mail recebido do Postmark.");
        }

        string? fromAddress = null;
        string? fromName = null;
        if (root.TryGetProperty("FromFull", out var fromFull) && fromFull.ValueKind == JsonValueKind.Object)
        {
            fromAddress = StringOf(fromFull, "Email");
            fromName = StringOf(fromFull, "Name");
        }

        fromAddress ??= AddressOf(StringOf(root, "From"))?.Address;
        var headers = new List<(string Name, string Value)>();
        if (root.TryGetProperty("Headers", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var header in list.EnumerateArray())
            {
                if (header.ValueKind == JsonValueKind.Object && StringOf(header, "Name") is { } name && StringOf(header, "Value") is { } value)
                {
                    headers.Add((name, value));
                }
            }
        }

        var attachments = new List<EmailAttachment>();
        if (root.TryGetProperty("Attachments", out var files) && files.ValueKind == JsonValueKind.Array)
        {
            foreach (var file in files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object))
            {
                var size = WebhookJson.Int64Of(file, "ContentLength") is long bytes and >= 0 ? bytes
                    : (StringOf(file, "Content")?.Length ?? 0) * 3L / 4; // base64 without a (usable) stated length
                attachments.Add(new EmailAttachment(StringOf(file, "Name") ?? "", size));
            }
        }

        // StrippedTextReply is the reply without the quoted mail; an HTML-only mail is turned into text.
        var text = FirstText(StringOf(root, "StrippedTextReply"), StringOf(root, "TextBody"), HtmlText.ToPlainText(StringOf(root, "HtmlBody")));
        var built = Build(fromAddress, fromName, StringOf(root, "Subject"), text, headers, attachments);
        return built.Mail is null
            ? built with { Unreadable = new UnreadableEvent(Payload(root), built.Error!) }
            : built;
    }

    /// <summary>
    /// The files of a Postmark mail (<c>Attachments[]{Name, Content (base64), ContentType}</c>), decoded; a file whose content
    /// is not base64 is left out (its name is still in the text's attachments line).
    /// </summary>
    public static IEnumerable<(byte[] Bytes, string? ContentType, string? Name)> PostmarkFiles(ReadOnlyMemory<byte> body)
    {
        using var document = WebhookJson.Parse(body.Span, out _);
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root || !root.TryGetProperty("Attachments", out var files)
            || files.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var decoded = new List<(byte[], string?, string?)>();
        foreach (var file in files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object))
        {
            if (StringOf(file, "Content") is { Length: > 0 } content)
            {
                var bytes = new byte[content.Length * 3 / 4 + 3];
                if (Convert.TryFromBase64String(content, bytes, out var written))
                {
                    decoded.Add((bytes[..written], StringOf(file, "ContentType"), StringOf(file, "Name")));
                }
            }
        }

        return decoded;
    }

    /// <summary>
    /// Mailgun's form fields (already read); <c>message-headers</c> is a JSON list of [name, value] pairs. Files come as
    /// multipart uploads <c>attachment-1…n</c>: the caller passes their names and sizes.
    /// </summary>
    public static InboundEmailResult ParseMailgun(Func<string, string?> field, IReadOnlyList<EmailAttachment>? attachments = null)
    {
        var headers = new List<(string Name, string Value)>();
        if (field("message-headers") is { Length: > 0 } json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    return InboundEmailResult.Invalid("message-headers deve ser uma lista JSON de pares [nome, valor].");
                }

                foreach (var pair in document.RootElement.EnumerateArray())
                {
                    if (pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2
                        && pair[0].ValueKind == JsonValueKind.String && pair[1].ValueKind == JsonValueKind.String)
                    {
                        headers.Add((pair[0].GetString()!, pair[1].GetString()!));
                    }
                }
            }
            catch (JsonException)
            {
                return InboundEmailResult.Invalid("message-headers não é um JSON válido.");
            }
        }

        // Mailgun also posts the common headers as fields of their own.
        foreach (var name in new[] { "Message-Id", "In-Reply-To", "References" })
        {
            if (!headers.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) && field(name) is { Length: > 0 } value)
            {
                headers.Add((name, value));
            }
        }

        var from = AddressOf(field("from"));
        var fromAddress = from?.Address ?? AddressOf(field("sender"))?.Address;
        // The stripped fields are the reply without the quoted mail; HTML-only mails are turned into text.
        var text = FirstText(field("stripped-text"), HtmlText.ToPlainText(field("stripped-html")), field("body-plain"),
            HtmlText.ToPlainText(field("body-html")));
        return Build(fromAddress, string.IsNullOrWhiteSpace(from?.DisplayName) ? null : from.DisplayName, field("subject"), text, headers,
            attachments ?? []);
    }

    /// <summary>"Anexos: contrato.pdf (12 KB), foto.jpg (1,2 MB)": the agent learns the files exist (they are not stored yet).</summary>
    public static string? AttachmentsLine(IReadOnlyList<EmailAttachment> attachments)
    {
        if (attachments.Count == 0)
        {
            return null;
        }

        var listed = attachments.Take(MaxListedAttachments).Select(a => $"{FileName(a.Name)} ({Size(a.Size)})").ToList();
        var more = attachments.Count - listed.Count;
        return "Anexos: " + string.Join(", ", listed) + (more > 0 ? $" e mais {more}" : "");
    }

    private static string FileName(string name)
    {
        var clean = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        clean = clean.Length == 0 ? "(sem nome)" : clean;
        return clean.Length > 100 ? clean[..99] + "…" : clean;
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{Math.Max(0, bytes)} B",
        < 1024 * 1024 => $"{(bytes + 1023) / 1024} KB",
        _ => (bytes / 1024d / 1024d).ToString("0.#", CultureInfo.GetCultureInfo("pt-BR")) + " MB",
    };

    private static InboundEmailResult Build(string? fromAddress, string? fromName, string? subject, string? text,
        List<(string Name, string Value)> headers, IReadOnlyList<EmailAttachment> attachments)
    {
        var address = AddressOf(fromAddress);
        if (address is null)
        {
            return InboundEmailResult.Invalid("O remetente (From) é obrigatório e deve ser um endereço de e-mail válido.");
        }

        var attachmentsLine = AttachmentsLine(attachments);
        if (string.IsNullOrWhiteSpace(text) && attachmentsLine is null)
        {
            return InboundEmailResult.Invalid("O e-mail não tem texto.");
        }

        text = text?.Trim() ?? "";
        var room = MessageText.MaxLength - (attachmentsLine is null ? 0 : attachmentsLine.Length + 2);
        if (text.Length > room)
        {
            // A long mail is still the customer's: keep the beginning rather than refusing it (and the attachments line).
            text = TextParts.Prefix(text, room - 1) + "…";
        }

        if (attachmentsLine is not null)
        {
            text = text.Length == 0 ? attachmentsLine : text + "\n\n" + attachmentsLine;
        }

        string? Header(string name) => headers.LastOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

        var name = string.IsNullOrWhiteSpace(fromName) ? null : fromName.Trim();
        return new InboundEmailResult(new InboundEmail(
            address.Address.ToLowerInvariant(),
            name is { Length: > 200 } ? name[..200] : name,
            (subject ?? "").Trim(),
            text,
            MessageIds(Header("Message-ID")).FirstOrDefault(),
            MessageIds(Header("In-Reply-To")).FirstOrDefault(),
            MessageIds(Header("References"))), null);
    }

    private static MailAddress? AddressOf(string? value) =>
        !string.IsNullOrWhiteSpace(value) && MailAddress.TryCreate(value.Trim(), out var address) ? address : null;

    private static string? FirstText(params string?[] candidates) => candidates.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));

    private static readonly JsonSerializerOptions ReadableJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The mail's JSON for the unprocessed list, without attachment contents (megabytes of base64 nobody can read there).</summary>
    private static string Payload(JsonElement root)
    {
        var fields = new Dictionary<string, JsonElement>();
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name != "Attachments")
            {
                fields[property.Name] = property.Value;
            }
        }

        var json = JsonSerializer.Serialize(fields, ReadableJson);
        return json.Length > UnprocessedDelivery.MaxPayloadChars ? TextParts.Prefix(json, UnprocessedDelivery.MaxPayloadChars) : json;
    }

    private static string? StringOf(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
