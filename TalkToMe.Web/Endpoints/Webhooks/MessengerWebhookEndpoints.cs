using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints.Webhooks;

/// <summary>
/// <c>GET|POST /webhooks/facebook/{publicKey}</c> and <c>/webhooks/instagram/{publicKey}</c>: the callback URLs pasted into the
/// Meta app. Same handshake and X-Hub-Signature-256 as WhatsApp (<see cref="MetaSignature"/>); the body is the Messenger
/// Platform's <c>entry[].messaging[]</c>, with <c>object</c> "page" or "instagram" (the other one is refused with 400).
/// Delivery and read receipts move the agent's replies to "entregue" / "lida" (<see cref="DeliveryStatusService.ApplyReceiptAsync"/>).
/// </summary>
public static class MessengerWebhookEndpoints
{
    public static void MapMessengerWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/webhooks/facebook/{publicKey}", (string publicKey, HttpRequest request, IDbContextFactory<TalkToMeDbContext> factory,
            CancellationToken cancellationToken) => VerifyAsync(ChannelType.Facebook, publicKey, request, factory, cancellationToken)).AllowAnonymous();
        app.MapPost("/webhooks/facebook/{publicKey}", (string publicKey, HttpContext context, IDbContextFactory<TalkToMeDbContext> factory,
                InboundWriter inbound, DeliveryStatusService statuses, UnprocessedDeliveryService unprocessed, CancellationToken cancellationToken) =>
            ReceiveAsync(ChannelType.Facebook, publicKey, context, factory, inbound, statuses, unprocessed, cancellationToken)).AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
        app.MapGet("/webhooks/instagram/{publicKey}", (string publicKey, HttpRequest request, IDbContextFactory<TalkToMeDbContext> factory,
            CancellationToken cancellationToken) => VerifyAsync(ChannelType.Instagram, publicKey, request, factory, cancellationToken)).AllowAnonymous();
        app.MapPost("/webhooks/instagram/{publicKey}", (string publicKey, HttpContext context, IDbContextFactory<TalkToMeDbContext> factory,
                InboundWriter inbound, DeliveryStatusService statuses, UnprocessedDeliveryService unprocessed, CancellationToken cancellationToken) =>
            ReceiveAsync(ChannelType.Instagram, publicKey, context, factory, inbound, statuses, unprocessed, cancellationToken)).AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
    }

    private static async Task<IResult> VerifyAsync(ChannelType type, string publicKey, HttpRequest request,
        IDbContextFactory<TalkToMeDbContext> factory, CancellationToken cancellationToken)
    {
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, type, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        // As for WhatsApp: the handshake works before "Ativo" is switched on, so Meta's setup can be finished first.
        var challenge = request.Query["hub.challenge"].ToString();
        if (!MetaSignature.IsValidHandshake(Settings(channel).VerifyToken, request.Query["hub.mode"], request.Query["hub.verify_token"])
            || challenge.Length is 0 or > 200)
        {
            return ProviderWebhook.Forbidden("hub.mode deve ser subscribe e hub.verify_token igual ao token de verificação do canal.");
        }

        return Results.Text(challenge, "text/plain");
    }

    private static async Task<IResult> ReceiveAsync(ChannelType type, string publicKey, HttpContext context,
        IDbContextFactory<TalkToMeDbContext> factory, InboundWriter inbound, DeliveryStatusService statuses,
        UnprocessedDeliveryService unprocessed, CancellationToken cancellationToken)
    {
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, type, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        // Nothing is read before the request at least claims to be signed.
        var signature = context.Request.Headers[MetaSignature.Header].ToString();
        if (signature.Length == 0)
        {
            return ProviderWebhook.Unauthorized($"Envie a assinatura no cabeçalho {MetaSignature.Header}.");
        }

        var body = await ProviderWebhook.ReadBodyAsync(context.Request, cancellationToken);
        if (body is null)
        {
            return ProviderWebhook.TooLarge();
        }

        if (!MetaSignature.IsValid(Settings(channel).AppSecret, signature, body))
        {
            return ProviderWebhook.Forbidden($"O cabeçalho {MetaSignature.Header} não confere com o corpo e o segredo do app.");
        }

        if (!channel.IsActive)
        {
            return ProviderWebhook.Inactive();
        }

        var events = MessengerWebhook.Parse(body, channel.Id, type);
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

        var receipts = 0;
        foreach (var receipt in events.Receipts)
        {
            // Receipts for messages sent from another tool (unknown mids) change nothing and are still acknowledged.
            receipts += await statuses.ApplyReceiptAsync(channel.Id, receipt.ContactExternalId, receipt.Status, receipt.MessageIds,
                receipt.Watermark, cancellationToken);
        }

        return Results.Ok(new { messages = accepted, receipts, skipped = events.Skipped, unprocessed = unreadable.Count });
    }

    /// <summary>InstagramSettings derives from FacebookSettings: the fields both need are the same.</summary>
    private static FacebookSettings Settings(Channel channel) => (FacebookSettings)channel.GetSettings();
}
