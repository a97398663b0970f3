using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints.Webhooks;

/// <summary>
/// <c>POST /webhooks/telegram/{publicKey}</c>: the URL given to setWebhook. Telegram sends the secret it was given in
/// X-Telegram-Bot-Api-Secret-Token; without the right one the body is not even read. Telegram retries any non-2xx, so updates we
/// do not handle are acknowledged with 200.
/// </summary>
public static class TelegramWebhookEndpoints
{
    public static void MapTelegramWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/telegram/{publicKey}", ReceiveAsync).AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
    }

    private static async Task<IResult> ReceiveAsync(string publicKey, HttpContext context, IDbContextFactory<TalkToMeDbContext> factory,
        InboundWriter inbound, UnprocessedDeliveryService unprocessed, CancellationToken cancellationToken)
    {
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, ChannelType.Telegram, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        var secret = context.Request.Headers[TelegramUpdate.SecretHeader].ToString();
        if (secret.Length == 0)
        {
            // PROTOCOLS: Telegram's own convention is 403 for a missing or wrong secret.
            return ProviderWebhook.Forbidden($"Envie o segredo do webhook no cabeçalho {TelegramUpdate.SecretHeader}.");
        }

        if (!TelegramUpdate.HasValidSecret(channel.GetSettings<TelegramSettings>(), secret))
        {
            return ProviderWebhook.Forbidden($"O cabeçalho {TelegramUpdate.SecretHeader} não confere com o segredo do canal.");
        }

        if (!channel.IsActive)
        {
            return ProviderWebhook.Inactive();
        }

        var body = await ProviderWebhook.ReadBodyAsync(context.Request, cancellationToken);
        if (body is null)
        {
            return ProviderWebhook.TooLarge();
        }

        var update = TelegramUpdate.Parse(body, channel.Id);
        if (update.Error is not null)
        {
            return ProviderWebhook.Malformed(update.Error);
        }

        if (update.Unreadable is { } unreadable)
        {
            await unprocessed.RecordAsync(channel.Id, [unreadable], cancellationToken);
            return Results.Ok(new { unprocessed = 1, reason = unreadable.Reason });
        }

        if (update.Message is null)
        {
            return Results.Ok(new { ignored = update.Ignored });
        }

        InboundResult result;
        try
        {
            result = await inbound.ReceiveAsync(update.Message, cancellationToken);
        }
        catch (ConversationRuleException ex)
        {
            // Telegram would redeliver it for a day: acknowledged, and kept for an admin.
            await unprocessed.RecordAsync(channel.Id, [new UnreadableEvent(System.Text.Encoding.UTF8.GetString(body), ex.Message)], cancellationToken);
            return Results.Ok(new { unprocessed = 1, reason = ex.Message });
        }

        return ProviderWebhook.RefusalFor(result)
            ?? Results.Ok(new { conversationId = result.ConversationId, duplicate = result.Outcome == InboundOutcome.Duplicate });
    }
}
