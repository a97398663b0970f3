using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Endpoints.Webhooks;

/// <summary>
/// What every provider webhook does before its own protocol: find the channel by its public key and type, and read the raw
/// body (bounded) so the signature is checked over the exact bytes the provider signed, before any parsing.
/// </summary>
public static class ProviderWebhook
{
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>The channel the URL names, or the answer for a URL that names none (404) or a deleted one (410).</summary>
    public static async Task<(Channel? Channel, IResult? Refusal)> FindChannelAsync(IDbContextFactory<TalkToMeDbContext> factory,
        ChannelType type, string publicKey, CancellationToken cancellationToken)
    {
        Channel? channel = null;
        if (!string.IsNullOrEmpty(publicKey) && publicKey.Length <= 100)
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.PublicKey == publicKey && c.Type == type, cancellationToken);
        }

        if (channel is null)
        {
            return (null, Problem(StatusCodes.Status404NotFound, "Canal não encontrado", "Nenhum canal deste tipo tem esta chave pública."));
        }

        if (channel.IsDeleted)
        {
            return (null, Problem(StatusCodes.Status410Gone, "Canal excluído", "Este canal foi excluído e não recebe mensagens."));
        }

        return (channel, null);
    }

    /// <summary>The raw body, or null when it passes <see cref="MaxBodyBytes"/> (reading stops there).</summary>
    public static Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        ReadBodyAsync(request, MaxBodyBytes, cancellationToken);

    /// <summary>The raw body, or null when it passes <paramref name="maxBytes"/> (e-mail allows more: attachments ride along).</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        LimitBody(request.HttpContext, maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.ToArray();
    }

    /// <summary>Has the server refuse a body longer than <paramref name="maxBytes"/> too (a chunked one states no length).</summary>
    public static void LimitBody(HttpContext context, long maxBytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
    }

    public static IResult TooLarge(int maxBytes = MaxBodyBytes) => Problem(StatusCodes.Status413PayloadTooLarge, "Corpo grande demais",
        $"O corpo da requisição passa do limite de {maxBytes / 1024} KB.");

    public static IResult Inactive() => Problem(StatusCodes.Status409Conflict, "Canal inativo",
        "O canal não está Ativo: a mensagem não foi aceita. Ative o canal para voltar a receber mensagens.");

    public static IResult Malformed(string reason) => Problem(StatusCodes.Status400BadRequest, "Payload inválido", reason);

    public static IResult Forbidden(string reason) => Problem(StatusCodes.Status403Forbidden, "Assinatura inválida", reason);

    public static IResult Unauthorized(string reason) => Problem(StatusCodes.Status401Unauthorized, "Assinatura ausente", reason);

    /// <summary>
    /// Hands each parsed message to the inbound pipeline, in order. The first refusal (channel switched off meanwhile)
    /// answers for the delivery; what was stored before it stays stored. A message the pipeline's rules refuse (its
    /// content) joins <paramref name="unreadable"/> and the others go on: the provider must not redeliver the lot for days.
    /// <paramref name="stored"/> hears of each message stored now (not duplicates), after its commit.
    /// </summary>
    public static async Task<(IResult? Refusal, int Accepted)> ReceiveAllAsync(InboundWriter inbound,
        IEnumerable<InboundMessage> messages, List<UnreadableEvent> unreadable, CancellationToken cancellationToken,
        Action<InboundMessage, InboundResult>? stored = null)
    {
        var accepted = 0;
        foreach (var message in messages)
        {
            InboundResult result;
            try
            {
                result = await inbound.ReceiveAsync(message, cancellationToken);
            }
            catch (ConversationRuleException ex)
            {
                unreadable.Add(new UnreadableEvent(PayloadOf(message), ex.Message));
                continue;
            }

            if (RefusalFor(result) is { } refused)
            {
                return (refused, accepted);
            }

            if (result.Outcome == InboundOutcome.Accepted)
            {
                accepted++;
                stored?.Invoke(message, result);
            }
        }

        return (null, accepted);
    }

    /// <summary>The answer for what ReceiveAsync decided; null when the message was stored (or already had been).</summary>
    public static IResult? RefusalFor(InboundResult result) => result.Outcome switch
    {
        InboundOutcome.Accepted or InboundOutcome.Duplicate => null,
        InboundOutcome.ChannelInactive => Inactive(),
        _ => Problem(StatusCodes.Status410Gone, "Canal excluído", "Este canal foi excluído e não recebe mensagens."),
    };

    /// <summary>What was understood of a message the pipeline refused: its ids and text, for the unprocessed list.</summary>
    private static string PayloadOf(InboundMessage message) => JsonSerializer.Serialize(new
    {
        contactId = message.ExternalContactId,
        contactName = message.ContactName,
        id = message.ExternalMessageId,
        text = message.Text.Length > 4000 ? message.Text[..4000] : message.Text,
    });

    public static IResult Problem(int status, string title, string detail) => Results.Problem(detail, statusCode: status, title: title);
}
