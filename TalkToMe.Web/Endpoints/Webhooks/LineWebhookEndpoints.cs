using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints.Webhooks;

/// <summary>
/// <c>POST /webhooks/line/{publicKey}</c>: the webhook URL set in the LINE Developers console, signed with the channel secret
/// (x-line-signature). The console's "Verify" button sends <c>{"events":[]}</c>, answered 200; events we do not show are
/// acknowledged with 200 too, so LINE does not redeliver them.
/// </summary>
public static class LineWebhookEndpoints
{
    public static void MapLineWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/line/{publicKey}", ReceiveAsync).AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
    }

    private static async Task<IResult> ReceiveAsync(string publicKey, HttpContext context, IDbContextFactory<TalkToMeDbContext> factory,
        InboundWriter inbound, UnprocessedDeliveryService unprocessed, CancellationToken cancellationToken)
    {
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, ChannelType.Line, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        // Nothing is read before the request at least claims to be signed.
        var signature = context.Request.Headers[LineWebhook.SignatureHeader].ToString();
        if (signature.Length == 0)
        {
            return ProviderWebhook.Unauthorized($"Envie a assinatura no cabeçalho {LineWebhook.SignatureHeader}.");
        }

        var body = await ProviderWebhook.ReadBodyAsync(context.Request, cancellationToken);
        if (body is null)
        {
            return ProviderWebhook.TooLarge();
        }

        if (!LineWebhook.HasValidSignature(channel.GetSettings<LineSettings>(), signature, body))
        {
            return ProviderWebhook.Forbidden($"O cabeçalho {LineWebhook.SignatureHeader} não confere com o corpo e o segredo do canal.");
        }

        if (!channel.IsActive)
        {
            return ProviderWebhook.Inactive();
        }

        var events = LineWebhook.Parse(body, channel.Id);
        if (events.Error is not null)
        {
            return ProviderWebhook.Malformed(events.Error);
        }

        var unreadable = events.Unreadable.ToList();
        var (refused, accepted) = await ProviderWebhook.ReceiveAllAsync(inbound, events.Messages, unreadable, cancellationToken);
        await unprocessed.RecordAsync(channel.Id, unreadable, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        return Results.Ok(new { messages = accepted, skipped = events.Skipped, unprocessed = unreadable.Count });
    }
}
