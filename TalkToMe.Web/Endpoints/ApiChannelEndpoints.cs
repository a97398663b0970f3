using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Conversations;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints;

/// <summary>
/// The API channel's inbound endpoint: external systems post customer messages with the channel's own token
/// (not a user's). Token first, then size, then parsing; anything refused stores nothing.
/// </summary>
public static class ApiChannelEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;

    public static void MapApiChannelEndpoints(this IEndpointRouteBuilder app)
    {
        // Its own group: authentication is the channel token checked below, so no user auth policy applies here.
        var group = app.MapGroup("/api/v1/channels/{channelId:int}").AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
        group.MapPost("/messages", ReceiveAsync);
    }

    private static async Task<IResult> ReceiveAsync(int channelId, HttpContext context, ApiChannelDirectory channels,
        InboundWriter writer, CancellationToken cancellationToken)
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
                $"O corpo da requisição passa do limite de {MaxBodyBytes / 1024} KB.");
        }

        var (inbound, errors) = Parse(body, channel.Id);
        if (inbound is null)
        {
            return Results.ValidationProblem(errors!, title: "Requisição inválida");
        }

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

    private static (InboundMessage? Message, Dictionary<string, string[]>? Errors) Parse(byte[] body, int channelId)
    {
        var errors = new Dictionary<string, string[]>();
        // Not JSON, or strings that are not valid Unicode (a lone \ud800, bytes that are not UTF-8): 400, never a 500 later.
        var document = WebhookJson.Parse(body, out var jsonError);
        if (document is null)
        {
            errors["body"] = [jsonError!];
            return (null, errors);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["O corpo deve ser um objeto JSON."];
                return (null, errors);
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

            var text = RequiredString(root, "text", "text", MessageText.MaxLength, errors);
            var externalId = OptionalString(root, "id", "id", 200, errors);
            if (errors.Count > 0)
            {
                return (null, errors);
            }

            return (new InboundMessage(channelId, contactId!, contactName, externalId, text!), null);
        }
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
