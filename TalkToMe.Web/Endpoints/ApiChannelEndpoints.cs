using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints;

/// <summary>
/// The API channel's inbound endpoint: external systems post customer messages with the channel's own token
/// (not a user's). Token first, then size, then parsing; anything refused stores nothing.
/// </summary>
public static class ApiChannelEndpoints
{
    /// <summary>Room for attachments posted inline as base64 (<see cref="MaxInlineBytes"/> of files, a third more as text).</summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    /// <summary>The files one request may carry inline, together; larger files are posted as a URL we fetch.</summary>
    public const int MaxInlineBytes = 5 * 1024 * 1024;

    public const int MaxAttachments = 10;

    public static void MapApiChannelEndpoints(this IEndpointRouteBuilder app)
    {
        // Its own group: authentication is the channel token checked below, so no user auth policy applies here.
        var group = app.MapGroup("/api/v1/channels/{channelId:int}").AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
        group.MapPost("/messages", ReceiveAsync);
    }

    private static async Task<IResult> ReceiveAsync(int channelId, HttpContext context, ApiChannelDirectory channels,
        InboundWriter writer, IMediaStore store, CancellationToken cancellationToken)
    {
        var channel = await channels.FindAsync(channelId, cancellationToken);
        if (channel is null || channel.IsDeleted || !channel.IsActive || !HasValidToken(context.Request, channel))
        {
            // Refuse only on what the database says now, not on a state remembered for speed.
            channel = await channels.FindAsync(channelId, cancellationToken, fresh: true);
        }

        if (channel is null)
        {
            return Problem(StatusCodes.Status404NotFound, "Canal não encontrado", $"Não existe canal de API com o id {channelId}.");
        }

        if (channel.IsDeleted)
        {
            return Problem(StatusCodes.Status410Gone, "Canal excluído", "Este canal foi excluído e não recebe mensagens.");
        }

        if (!HasValidToken(context.Request, channel))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Problem(StatusCodes.Status401Unauthorized, "Token inválido",
                "Envie o token de API do canal no cabeçalho Authorization: Bearer {token}.");
        }

        if (!channel.IsActive)
        {
            return Problem(StatusCodes.Status409Conflict, "Canal inativo",
                "O canal não está Ativo: a mensagem não foi aceita. Ative o canal para voltar a receber mensagens.");
        }

        var body = await ReadBodyAsync(context.Request, cancellationToken);
        if (body is null)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Corpo grande demais",
                $"O corpo da requisição passa do limite de {MaxBodyBytes / (1024 * 1024)} MB; envie arquivos grandes como url.");
        }

        var (inbound, inline, errors) = Parse(body, channel.Id);
        if (inbound is null)
        {
            return Results.ValidationProblem(errors!, title: "Requisição inválida");
        }

        // Files sent inline go to the store before the message: the message is stored with them ready, or not at all.
        // The kind follows what the bytes are: a ".jpg" that is HTML is shown as a file to download, never as an image.
        var media = new List<InboundMedia>(inbound.Media);
        foreach (var (index, data, attachment) in inline)
        {
            using var content = new MemoryStream(data, writable: false);
            var stored = await store.SaveAsync(content, cancellationToken);
            var kind = ApiChannelMediaSource.KindOf(MediaSniffer.Decide(attachment.ContentType, stored.Head));
            media[index] = attachment with { Stored = stored, Size = data.Length, Kind = kind };
        }

        inbound = inbound with
        {
            Media = media,
            Text = inbound.Text == MediaLabel.For(inbound.Media) ? MediaLabel.For(media) : inbound.Text,
        };

        InboundResult result;
        try
        {
            result = await writer.ReceiveAsync(inbound, cancellationToken);
        }
        catch (ConversationRuleException ex)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [ex.Message] }, title: "Requisição inválida");
        }

        return result.Outcome switch
        {
            InboundOutcome.Accepted or InboundOutcome.Duplicate =>
                Results.Json(new ReceivedResponse(result.ConversationId!.Value, result.MessageId!.Value), statusCode: StatusCodes.Status202Accepted),
            InboundOutcome.ChannelInactive => Problem(StatusCodes.Status409Conflict, "Canal inativo",
                "O canal não está Ativo: a mensagem não foi aceita."),
            _ => Problem(StatusCodes.Status410Gone, "Canal excluído", "Este canal foi excluído e não recebe mensagens."),
        };
    }

    public sealed record ReceivedResponse(int ConversationId, long MessageId);

    private static bool HasValidToken(HttpRequest request, ApiChannelState channel)
    {
        var header = request.Headers.Authorization.ToString();
        if (channel.ApiTokenHash is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = header["Bearer ".Length..].Trim();
        if (token.Length == 0)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Secrets.Hash(token)),
            Encoding.ASCII.GetBytes(channel.ApiTokenHash));
    }

    /// <summary>The body, or null when it is larger than the limit (read no further than that).</summary>
    private static Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Webhooks.ProviderWebhook.ReadBodyAsync(request, MaxBodyBytes, cancellationToken);

    private static (InboundMessage? Message, IReadOnlyList<(int Index, byte[] Data, InboundMedia Attachment)> Inline,
        Dictionary<string, string[]>? Errors) Parse(byte[] body, int channelId)
    {
        var errors = new Dictionary<string, string[]>();
        var inline = new List<(int, byte[], InboundMedia)>();
        // Not JSON, or strings that are not valid Unicode (a lone \ud800, bytes that are not UTF-8): 400, never a 500 later.
        var document = WebhookJson.Parse(body, out var jsonError);
        if (document is null)
        {
            errors["body"] = [jsonError!];
            return (null, inline, errors);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["O corpo deve ser um objeto JSON."];
                return (null, inline, errors);
            }

            string? contactId = null;
            string? contactName = null;
            if (!root.TryGetProperty("contact", out var contact) || contact.ValueKind != JsonValueKind.Object)
            {
                errors["contact"] = ["Informe o contato: {\"id\": \"…\", \"name\": \"…\"}."];
            }
            else
            {
                contactId = RequiredString(contact, "id", "contact.id", 320, errors);
                contactName = OptionalString(contact, "name", "contact.name", 200, errors);
            }

            var media = ReadAttachments(root, inline, errors);
            // A message may be files alone: its text is then the stand-in label ("📷 Foto").
            var text = media.Count > 0 && !root.TryGetProperty("text", out _)
                ? MediaLabel.For(media)
                : RequiredString(root, "text", "text", MessageText.MaxLength, errors);
            var externalId = OptionalString(root, "id", "id", 200, errors);
            if (errors.Count > 0)
            {
                return (null, inline, errors);
            }

            return (new InboundMessage(channelId, contactId!, contactName, externalId, text!) { Media = media }, inline, null);
        }
    }

    /// <summary>
    /// <c>attachments</c>: up to <see cref="MaxAttachments"/> of <c>{"url": "https://…"}</c> (fetched after the answer) or
    /// <c>{"data": "&lt;base64&gt;"}</c> (at most <see cref="MaxInlineBytes"/> in all), each with an optional
    /// <c>contentType</c> and <c>fileName</c>.
    /// </summary>
    private static List<InboundMedia> ReadAttachments(JsonElement root, List<(int, byte[], InboundMedia)> inline,
        Dictionary<string, string[]> errors)
    {
        var media = new List<InboundMedia>();
        if (!root.TryGetProperty("attachments", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return media;
        }

        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxAttachments)
        {
            errors["attachments"] = [$"attachments deve ser uma lista de até {MaxAttachments} anexos."];
            return media;
        }

        long inlineBytes = 0;
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var field = $"attachments[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors[field] = ["Cada anexo deve ser um objeto com url ou data."];
                break;
            }

            var contentType = OptionalString(item, "contentType", field + ".contentType", 150, errors);
            var fileName = OptionalString(item, "fileName", field + ".fileName", 255, errors);
            var url = OptionalString(item, "url", field + ".url", 2000, errors);
            var data = OptionalString(item, "data", field + ".data", MaxBodyBytes, errors);
            var kind = ApiChannelMediaSource.KindOf(contentType);
            if ((url is null) == (data is null))
            {
                errors[field] = ["Informe url ou data (base64), um dos dois."];
            }
            else if (url is not null)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp))
                {
                    errors[field + ".url"] = ["url deve ser um endereço http ou https."];
                }
                else
                {
                    media.Add(new InboundMedia(kind, url, contentType, fileName));
                }
            }
            else
            {
                var bytes = new byte[data!.Length * 3 / 4 + 3];
                if (!Convert.TryFromBase64String(data, bytes, out var written))
                {
                    errors[field + ".data"] = ["data deve ser o arquivo em base64."];
                }
                else if ((inlineBytes += written) > MaxInlineBytes)
                {
                    errors[field + ".data"] = [$"Os anexos em base64 passam do limite de {MaxInlineBytes / (1024 * 1024)} MB; envie arquivos grandes como url."];
                }
                else
                {
                    var attachment = new InboundMedia(kind, null, contentType, fileName);
                    inline.Add((media.Count, bytes[..written], attachment));
                    media.Add(attachment);
                }
            }

            index++;
        }

        return media;
    }

    private static string? RequiredString(JsonElement parent, string property, string field, int maxLength, Dictionary<string, string[]> errors)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors[field] = [$"O campo {field} é obrigatório e deve ser um texto."];
            return null;
        }

        var text = value.GetString()!;
        if (text.Length > maxLength)
        {
            errors[field] = [$"O campo {field} passa do limite de {maxLength} caracteres."];
            return null;
        }

        return text;
    }

    private static string? OptionalString(JsonElement parent, string property, string field, int maxLength, Dictionary<string, string[]> errors)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors[field] = [$"O campo {field} deve ser um texto não vazio."];
            return null;
        }

        var text = value.GetString()!;
        if (text.Length > maxLength)
        {
            errors[field] = [$"O campo {field} passa do limite de {maxLength} caracteres."];
            return null;
        }

        return text;
    }

    private static IResult Problem(int status, string title, string detail) => Results.Problem(detail, statusCode: status, title: title);
}
