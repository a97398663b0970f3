using System.Net;
using System.Net.Mail;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Email;

/// <summary>
/// Sends replies by SMTP (System.Net.Mail; PROTOCOLS "E-mail"). Each mail gets its own <c>Message-ID</c>
/// (<c>&lt;delivery id@domain of the channel's address&gt;</c>, stored as the message's provider id so the customer's answer
/// threads back), <c>In-Reply-To</c> = the customer's latest mail in the conversation, <c>References</c> = the conversation's
/// mails in order (first and latest ones when long), and the subject "Re: &lt;the conversation's subject&gt;".
/// A conversation an agent started (Contato ativo) gets its subject from the first line of the first message.
/// A reply's files are the mail's MIME attachments, read from the media store as the mail is written to the server.
/// </summary>
public sealed class EmailSender(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, IOptions<OutboundOptions> options,
    IMediaStore store) : IChannelSender
{
    private const int MaxReferences = 20;

    public ChannelType Type => ChannelType.Email;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = (EmailSettings)delivery.Settings;
        if (string.IsNullOrWhiteSpace(settings.SmtpHost) || !MailAddress.TryCreate(settings.EmailAddress?.Trim(), out var from))
        {
            return SendResult.Rejected("Servidor SMTP ou endereço de e-mail do canal não configurado");
        }

        if (!MailAddress.TryCreate(delivery.ContactExternalId, out var to))
        {
            return SendResult.Rejected($"Endereço de e-mail do contato inválido: {delivery.ContactExternalId}");
        }

        var messageId = $"<{delivery.DeliveryId:N}@{from.Host}>";
        var (subject, inReplyTo, references) = await ThreadAsync(delivery, cancellationToken);

        using var mail = new MailMessage();
        try
        {
            Compose(mail, settings, from, to, delivery, subject, messageId, inReplyTo, references);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return SendResult.Rejected($"Não foi possível montar o e-mail: {ex.Message}");
        }

        foreach (var file in delivery.Attachments)
        {
            if (await store.OpenReadAsync(file.Sha256, cancellationToken) is not { } bytes)
            {
                return SendResult.Rejected($"O arquivo {file.FileName} não está mais no armazenamento de mídia");
            }

            // Added at once so disposing the mail closes the stream, whatever happens next.
            var attachment = new System.Net.Mail.Attachment(bytes, file.FileName);
            mail.Attachments.Add(attachment);
            try
            {
                attachment.ContentType = new System.Net.Mime.ContentType(file.ContentType) { Name = file.FileName };
            }
            catch (FormatException)
            {
                attachment.ContentType = new System.Net.Mime.ContentType(MediaSniffer.Binary) { Name = file.FileName };
            }

            // RFC 2047 words for a name like "orçamento.pdf", which mail clients show as written; the disposition names it
            // too, as most clients read the name there.
            attachment.NameEncoding = Encoding.UTF8;
            attachment.ContentDisposition!.FileName = file.FileName;
        }

        var timeout = options.Value.SendTimeout;
        using var client = new SmtpClient(settings.SmtpHost.Trim(), settings.SmtpPort)
        {
            EnableSsl = settings.SmtpUseTls,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            // Send (not SendMailAsync) honours Timeout, connect included; cancellation only stops us waiting.
            Timeout = (int)Math.Clamp(timeout.TotalMilliseconds, 1000, int.MaxValue),
        };
        if (!string.IsNullOrEmpty(settings.SmtpUsername))
        {
            client.Credentials = new NetworkCredential(settings.SmtpUsername, settings.SmtpPassword);
        }

        try
        {
            await Task.Run(() => client.Send(mail), cancellationToken).WaitAsync(cancellationToken);
            return SendResult.Sent(messageId);
        }
        catch (SmtpFailedRecipientException ex) when (IsPermanent(ex.StatusCode))
        {
            return SendResult.Rejected($"O servidor SMTP recusou o destinatário {to.Address}: {(int)ex.StatusCode} {ex.Message}");
        }
        catch (SmtpException ex) when (IsPermanent(ex.StatusCode))
        {
            return SendResult.Rejected($"O servidor SMTP recusou o e-mail: {(int)ex.StatusCode} {ex.Message}");
        }
        catch (SmtpException ex)
        {
            var inner = ex.InnerException is null ? "" : $" ({ex.InnerException.Message})";
            return SendResult.Failed($"Falha ao enviar por SMTP a {settings.SmtpHost}:{settings.SmtpPort}: {ex.Message}{inner}");
        }
        catch (InvalidOperationException ex)
        {
            return SendResult.Failed($"Falha ao enviar por SMTP: {ex.Message}");
        }
    }

    private static void Compose(MailMessage mail, EmailSettings settings, MailAddress from, MailAddress to, OutboundDelivery delivery,
        string subject, string messageId, string? inReplyTo, List<string> references)
    {
        mail.From = new MailAddress(from.Address, string.IsNullOrWhiteSpace(settings.FromName) ? delivery.ChannelName : settings.FromName.Trim());
        mail.Subject = subject;
        mail.SubjectEncoding = Encoding.UTF8;
        mail.Body = delivery.Text;
        mail.BodyEncoding = Encoding.UTF8;
        mail.IsBodyHtml = false;
        mail.To.Add(new MailAddress(to.Address, delivery.ContactName == delivery.ContactExternalId ? "" : delivery.ContactName));
        mail.Headers.Add("Message-ID", messageId);
        if (inReplyTo is not null)
        {
            mail.Headers.Add("In-Reply-To", inReplyTo);
        }

        if (references.Count > 0)
        {
            mail.Headers.Add("References", string.Join(' ', references));
        }
    }

    /// <summary>5xx replies are permanent (RFC 5321 §4.2.1): sending the same mail again gets the same refusal.</summary>
    private static bool IsPermanent(SmtpStatusCode code) => (int)code is >= 500 and < 600;

    private async Task<(string Subject, string? InReplyTo, List<string> References)> ThreadAsync(OutboundDelivery delivery,
        CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var subject = await db.Conversations.Where(c => c.Id == delivery.ConversationId).Select(c => c.Subject).FirstAsync(cancellationToken)
            ?? await StartSubjectAsync(delivery, cancellationToken);
        var mails = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == delivery.ConversationId && m.Kind == MessageKind.Text && m.ExternalId != null
                && m.Id != delivery.MessageId)
            .OrderBy(m => m.Id)
            .Select(m => new { m.ExternalId, m.Direction })
            .ToListAsync(cancellationToken);
        var ids = mails.Where(m => m.ExternalId!.StartsWith('<')).ToList();
        var inReplyTo = ids.LastOrDefault(m => m.Direction == MessageDirection.Incoming)?.ExternalId;
        var references = ids.Select(m => m.ExternalId!).Distinct().ToList();
        if (references.Count > MaxReferences)
        {
            references = [references[0], .. references.TakeLast(MaxReferences - 1)];
        }

        // The first mail of a conversation we started is not a reply to anything.
        var isReply = references.Count > 0 && !subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase);
        return (isReply ? "Re: " + subject : subject, inReplyTo, references);
    }

    /// <summary>
    /// Contato ativo: the agent wrote first, so the first mail names the conversation, and the subject stays for the rest of
    /// it. Its own unit, the conversation locked (PostgreSQL): a subject set meanwhile is kept, and the inbox hears of it.
    /// </summary>
    private Task<string> StartSubjectAsync(OutboundDelivery delivery, CancellationToken cancellationToken) =>
        units.InTransactionAsync(async unit =>
        {
            await unit.LockConversationAsync(delivery.ConversationId, cancellationToken);
            var conversation = await unit.Db.Conversations.FirstAsync(c => c.Id == delivery.ConversationId, cancellationToken);
            if (conversation.Subject is null)
            {
                conversation.SetSubject(SubjectFrom(delivery.Text) ?? delivery.ChannelName);
            }

            return conversation.Subject!;
        }, cancellationToken);

    private static string? SubjectFrom(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return line is null ? null : line.Length > 78 ? line[..77] + "…" : line;
    }
}
