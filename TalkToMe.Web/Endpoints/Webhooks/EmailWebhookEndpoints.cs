using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Data;

using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Endpoints.Webhooks;

/// <summary>
/// <c>POST /webhooks/email/{publicKey}</c>: the inbound-mail webhook of an e-mail channel. The channel's InboundProvider
/// says what arrives: Postmark's JSON behind Basic auth (any user, the channel's webhook password), or Mailgun's form signed
/// with HMAC-SHA256(signing key, timestamp + token). Credentials are checked before the mail is parsed; the mail is then
/// threaded by its headers (<see cref="EmailThreads"/>) and deduplicated on its Message-ID.
/// </summary>
public static class EmailWebhookEndpoints
{
    /// <summary>Mails carry attachments (which we do not store yet) inside the webhook body; 10 MB covers common ones.</summary>
    public const int MaxBodyBytes = 10 * 1024 * 1024;

    public static void MapEmailWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/email/{publicKey}", ReceiveAsync).AllowAnonymous().DisableAntiforgery().RequirePerChannelRateLimit();
    }

    private static async Task<IResult> ReceiveAsync(string publicKey, HttpContext context, IDbContextFactory<TalkToMeDbContext> factory,
        InboundWriter inbound, EmailThreads threads, UnprocessedDeliveryService unprocessed, TimeProvider time, IMediaStore store,
        CancellationToken cancellationToken)
    {
        var files = new List<InboundMedia>();
        var (channel, refusal) = await ProviderWebhook.FindChannelAsync(factory, ChannelType.Email, publicKey, cancellationToken);
        if (channel is null)
        {
            return refusal!;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return ProviderWebhook.TooLarge(MaxBodyBytes);
        }

        var settings = channel.GetSettings<EmailSettings>();
        InboundEmailResult parsed;
        if (settings.InboundProvider == InboundEmailProvider.Mailgun)
        {
            // Mailgun's credentials are fields of the form itself, so the form has to be read to check them: it is streamed
            // with the size limit (files spill to disk, nothing is buffered whole), and nothing is parsed before the check.
            var (form, problem) = await ReadFormAsync(context, cancellationToken);
            if (form is null)
            {
                return problem!;
            }

            string Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : "";
            var (timestamp, token, signature) = (Field("timestamp"), Field("token"), Field("signature"));
            if (timestamp.Length == 0 || token.Length == 0 || signature.Length == 0)
            {
                return ProviderWebhook.Unauthorized("Envie os campos timestamp, token e signature do Mailgun.");
            }

            if (InboundEmailParser.MailgunSignatureProblem(settings, timestamp, token, signature, time.GetUtcNow()) is { } signatureProblem)
            {
                return ProviderWebhook.Forbidden(signatureProblem);
            }

            if (!channel.IsActive)
            {
                return ProviderWebhook.Inactive();
            }

            parsed = InboundEmailParser.ParseMailgun(name => form.TryGetValue(name, out var value) ? value.ToString() : null,
                form.Files.Select(f => new EmailAttachment(f.FileName, f.Length)).ToList());
            if (parsed.Mail is not null)
            {
                foreach (var file in form.Files.Take(MaxStoredAttachments))
                {
                    await using var content = file.OpenReadStream();
                    files.Add(await StoreAsync(store, content, file.ContentType, file.FileName, cancellationToken));
                }
            }
        }
        else
        {
            // Postmark's credentials are in the Authorization header: checked before a byte of the body is read.
            var authorization = context.Request.Headers.Authorization.ToString();
            if (authorization.Length == 0)
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"TalkToMe\"";
                return ProviderWebhook.Unauthorized("Configure a URL do webhook no Postmark com usuário e senha (Basic auth).");
            }

            if (!InboundEmailParser.HasValidBasicAuth(settings, authorization))
            {
                return ProviderWebhook.Forbidden("A senha do webhook (Basic auth) não confere com a do canal.");
            }

            if (!channel.IsActive)
            {
                return ProviderWebhook.Inactive();
            }

            var body = await ProviderWebhook.ReadBodyAsync(context.Request, MaxBodyBytes, cancellationToken);
            if (body is null)
            {
                return ProviderWebhook.TooLarge(MaxBodyBytes);
            }

            parsed = InboundEmailParser.ParsePostmark(body);
            if (parsed.Mail is not null)
            {
                foreach (var (bytes, type, name) in InboundEmailParser.PostmarkFiles(body).Take(MaxStoredAttachments))
                {
                    using var content = new MemoryStream(bytes, writable: false);
                    files.Add(await StoreAsync(store, content, type, name, cancellationToken));
                }
            }
        }

        if (parsed.Unreadable is { } unreadable)
        {
            // A mail object we cannot store (no sender, no text): Postmark would retry it, so it is acknowledged and kept.
            await unprocessed.RecordAsync(channel.Id, [unreadable], cancellationToken);
            return Results.Ok(new { unprocessed = 1, reason = unreadable.Reason });
        }

        if (parsed.Mail is not { } mail)
        {
            return ProviderWebhook.Malformed(parsed.Error!);
        }

        var conversationId = await threads.FindConversationAsync(channel.Id, mail, cancellationToken);
        InboundResult result;
        try
        {
            result = await inbound.ReceiveAsync(new InboundMessage(channel.Id, mail.FromAddress, mail.FromName, mail.MessageId,
                mail.Text, ContactEmail: mail.FromAddress, ConversationId: conversationId, StartNewConversation: conversationId is null,
                Subject: mail.Subject.Length == 0 ? "(sem assunto)" : mail.Subject) { Media = files }, cancellationToken);
        }
        catch (ConversationRuleException ex)
        {
            return ProviderWebhook.Malformed(ex.Message);
        }

        return ProviderWebhook.RefusalFor(result)
            ?? Results.Ok(new { conversationId = result.ConversationId, duplicate = result.Outcome == InboundOutcome.Duplicate });
    }

    /// <summary>Files a mail may bring into the thread (the text's attachments line still names every one).</summary>
    private const int MaxStoredAttachments = 20;

    /// <summary>A mail's file, into the store before the message: the kind follows what its bytes are.</summary>
    private static async Task<InboundMedia> StoreAsync(IMediaStore store, Stream content, string? contentType, string? name,
        CancellationToken cancellationToken)
    {
        var stored = await store.SaveAsync(content, cancellationToken);
        var kind = TalkToMe.Core.Channels.Api.ApiChannelMediaSource.KindOf(MediaSniffer.Decide(contentType, stored.Head));
        var fileName = string.IsNullOrWhiteSpace(name) ? null : Path.GetFileName(name) is { Length: > 255 } longName ? longName[..255] : Path.GetFileName(name);
        return new InboundMedia(kind, null, contentType is { Length: <= 150 } ? contentType : null, fileName) { Stored = stored, Size = stored.Size };
    }

    /// <summary>The form (urlencoded or multipart), streamed under the size limit; otherwise the answer (400 or 413).</summary>
    private static async Task<(IFormCollection? Form, IResult? Problem)> ReadFormAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!context.Request.HasFormContentType)
        {
            return (null, ProviderWebhook.Malformed("O corpo deve ser um formulário (application/x-www-form-urlencoded ou multipart/form-data) do Mailgun."));
        }

        ProviderWebhook.LimitBody(context, MaxBodyBytes);
        context.Features.Set<IFormFeature>(new FormFeature(context.Request,
            new FormOptions { MultipartBodyLengthLimit = MaxBodyBytes, ValueLengthLimit = MaxBodyBytes, ValueCountLimit = 1024 }));
        try
        {
            return (await context.Request.ReadFormAsync(cancellationToken), null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, ProviderWebhook.TooLarge(MaxBodyBytes));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, ProviderWebhook.Malformed("O formulário do Mailgun está malformado ou passa dos limites."));
        }
    }
}
