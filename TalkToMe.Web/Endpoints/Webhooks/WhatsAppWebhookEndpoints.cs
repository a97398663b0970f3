using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints.Webhooks;

/// <summary>
/// <c>GET|POST /webhooks/whatsapp/{publicKey}</c>: the callback URL pasted into Meta's app. GET answers the verify handshake;
/// POST carries customer messages and delivery statuses, signed with the app secret (X-Hub-Signature-256).
/// </summary>
public static class WhatsAppWebhookEndpoints
{
    public static void MapWhatsAppWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/webhooks/whatsapp/{publicKey}", VerifyAsync).AllowAnonymous();
        app.MapPost("/webhooks/whatsapp/{publicKey}", ReceiveAsync).AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
    }

    private static async Task<IResult> VerifyAsync(string publicKey, HttpRequest request, IDbContextFactory<TalkToMeDbContext> factory,
        CancellationToken cancellationToken)
    {
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, ChannelType.WhatsApp, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        // Decision: the handshake works before "Ativo" is switched on, so an admin can finish Meta's setup first.
        var challenge = request.Query["hub.challenge"].ToString();
        if (!WhatsAppWebhook.IsValidHandshake(channel.GetSettings<WhatsAppSettings>(), request.Query["hub.mode"], request.Query["hub.verify_token"])
            || challenge.Length is 0 or > 200)
        {
            return ProviderWebhook.Forbidden("hub.mode deve ser subscribe e hub.verify_token igual ao token de verificação do canal.");
        }

        return Results.Text(challenge, "text/plain");
    }

    private static async Task<IResult> ReceiveAsync(string publicKey, HttpContext context, IDbContextFactory<TalkToMeDbContext> factory,
        InboundWriter inbound, DeliveryStatusService statuses, UnprocessedDeliveryService unprocessed, CancellationToken cancellationToken)
    {
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, ChannelType.WhatsApp, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        // Nothing is read before the request at least claims to be signed.
        var signature = context.Request.Headers[WhatsAppWebhook.SignatureHeader].ToString();
        if (signature.Length == 0)
        {
            return ProviderWebhook.Unauthorized($"Envie a assinatura no cabeçalho {WhatsAppWebhook.SignatureHeader}.");
        }

        var body = await ProviderWebhook.ReadBodyAsync(context.Request, cancellationToken);
        if (body is null)
        {
            return ProviderWebhook.TooLarge();
        }

        var settings = channel.GetSettings<WhatsAppSettings>();
        if (!WhatsAppWebhook.HasValidSignature(settings, signature, body))
        {
            return ProviderWebhook.Forbidden($"O cabeçalho {WhatsAppWebhook.SignatureHeader} não confere com o corpo e o segredo do app.");
        }

        if (!channel.IsActive)
        {
            return ProviderWebhook.Inactive();
        }

        var events = WhatsAppWebhook.Parse(body, channel.Id, settings);
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

        var applied = 0;
        foreach (var status in events.Statuses)
        {
            // An unknown wamid (a message sent from another tool) is still acknowledged: Meta would retry it for days.
            applied += await statuses.ApplyAsync(channel.Id, status.ProviderMessageId, status.Status, status.Reason, cancellationToken) ? 1 : 0;
        }

        return Results.Ok(new { messages = accepted, statuses = applied, unprocessed = unreadable.Count });
    }
}
