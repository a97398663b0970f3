using Microsoft.Extensions.Options;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints.Webhooks;

/// <summary>
/// <c>POST /webhooks/sms/{publicKey}</c>: the Twilio number's "A message comes in" URL and the StatusCallback of our sends.
/// Twilio signs the URL it called plus the form fields; replies are empty TwiML (we answer later through the API).
/// </summary>
public static class SmsWebhookEndpoints
{
    private static readonly JsonSerializerOptions UnprocessedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void MapSmsWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/sms/{publicKey}", ReceiveAsync).AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
    }

    private static async Task<IResult> ReceiveAsync(string publicKey, HttpContext context, IDbContextFactory<TalkToMeDbContext> factory,
        InboundWriter inbound, DeliveryStatusService statuses, IOptions<PublicUrlOptions> publicUrls,
        UnprocessedDeliveryService unprocessed, CancellationToken cancellationToken)
    {
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, ChannelType.Sms, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        // Nothing is read before the request at least claims to be signed.
        var signature = context.Request.Headers[TwilioWebhook.SignatureHeader].ToString();
        if (signature.Length == 0)
        {
            return ProviderWebhook.Unauthorized($"Envie a assinatura no cabeçalho {TwilioWebhook.SignatureHeader}.");
        }

        var body = await ProviderWebhook.ReadBodyAsync(context.Request, cancellationToken);
        if (body is null)
        {
            return ProviderWebhook.TooLarge();
        }

        Dictionary<string, string> form;
        try
        {
            // Decoding the form is not interpreting it: the signature covers the decoded fields, so it must come first.
            var fields = await new FormReader(Encoding.UTF8.GetString(body)) { ValueCountLimit = 200 }.ReadFormAsync(cancellationToken);
            form = fields.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        }
        catch (InvalidDataException)
        {
            return ProviderWebhook.Forbidden("Corpo não assinado corretamente.");
        }

        var settings = channel.GetSettings<TwilioSmsSettings>();
        var request = context.Request;
        // The URL exactly as Twilio called it (behind a proxy, forwarded headers must restore scheme and host).
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}";
        // Twilio signs the URL it was given: under TalkToMe:PublicUrl that is the public address, whatever host the proxy forwards.
        var publicUrl = publicUrls.Value.BaseUrl is { } baseUrl
            ? $"{PublicUrls.Webhook(baseUrl, ChannelType.Sms, channel.PublicKey)}{request.QueryString}"
            : null;
        if (!TwilioWebhook.HasValidSignature(settings, signature, url, form)
            && (publicUrl is null || !TwilioWebhook.HasValidSignature(settings, signature, publicUrl, form)))
        {
            return ProviderWebhook.Forbidden($"O cabeçalho {TwilioWebhook.SignatureHeader} não confere com a URL, os campos e o Auth Token.");
        }

        if (!channel.IsActive)
        {
            return ProviderWebhook.Inactive();
        }

        var parsed = TwilioWebhook.Parse(form, channel.Id, settings);
        if (parsed.Error is not null)
        {
            // Signed with the channel's Auth Token but not understood: acknowledged, since a refusal only fills Twilio's error
            // log while the customer's text is lost either way, and kept with its reason for "Entregas não processadas".
            var payload = JsonSerializer.Serialize(form, UnprocessedJson);
            await unprocessed.RecordAsync(channel.Id, [new UnreadableEvent(payload, parsed.Error)], cancellationToken);
            return Results.Text(TwilioWebhook.EmptyTwiml, "text/xml");
        }

        if (parsed.Status is { Status: { } status } callback)
        {
            await statuses.ApplyAsync(channel.Id, callback.MessageSid, status, callback.Reason, cancellationToken);
        }
        else if (parsed.Message is { } message)
        {
            var unreadable = new List<UnreadableEvent>();
            var (refused, _) = await ProviderWebhook.ReceiveAllAsync(inbound, [message], unreadable, cancellationToken);
            await unprocessed.RecordAsync(channel.Id, unreadable, cancellationToken);
            if (refused is not null)
            {
                return refused;
            }
        }

        return Results.Text(TwilioWebhook.EmptyTwiml, "text/xml");
    }
}
