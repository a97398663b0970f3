using System.Net.Mail;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Email;

/// <summary>E-mail: SMTP for replies, a provider webhook (Postmark or Mailgun) for incoming mail.</summary>
public sealed class EmailKind : ChannelKind<EmailSettings>
{
    public override ChannelType Type => ChannelType.Email;

    public override bool HasProviderWebhook => true;

    /// <summary>
    /// Most mail servers refuse a message over 25 MB (Gmail, Outlook); the attachment is that plus base64's third, so a file of
    /// 18 MB is what reliably arrives, and one mail carries all of a reply's files.
    /// </summary>
    public override MediaRules Media { get; } = new("e-mail",
        new(18 * MediaLimit.Mb), new(18 * MediaLimit.Mb), new(18 * MediaLimit.Mb), new(18 * MediaLimit.Mb), MaxTotalBytes: 18 * MediaLimit.Mb);

    /// <summary>E-mail identities are the lower-cased address, as the inbound webhook stores them: one contact per mailbox.</summary>
    public override string ContactIdentity(string typed)
    {
        if (!MailAddress.TryCreate(typed, out var address) || address.DisplayName.Length > 0)
        {
            throw new Conversations.ConversationRuleException(ServerText.Get("Error.NotAnEmail", "{0} não é um endereço de e-mail válido.", typed));
        }

        return address.Address.ToLowerInvariant();
    }

    public override string? ContactEmail(string identity) => identity.Contains('@') ? identity : null;

    protected override void Check(EmailSettings mail, IDictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(mail.EmailAddress) || !MailAddress.TryCreate(mail.EmailAddress.Trim(), out _))
        {
            errors[ChannelSettingsRules.Prefix + nameof(mail.EmailAddress)] = ServerText.Get("Error.EmailInvalid", "Informe um e-mail válido.");
        }

        ChannelSettingsRules.Required(errors, nameof(mail.SmtpHost), mail.SmtpHost, ServerText.Get("Error.SmtpHostRequired", "Informe o servidor SMTP."));
        if (mail.SmtpPort is < 1 or > 65535)
        {
            errors[ChannelSettingsRules.Prefix + nameof(mail.SmtpPort)] = "A porta SMTP vai de 1 a 65535.";
        }

        if (!Enum.IsDefined(mail.InboundProvider))
        {
            errors[ChannelSettingsRules.Prefix + nameof(mail.InboundProvider)] = ServerText.Get("Error.ChooseInboundProvider", "Escolha Postmark ou Mailgun.");
        }

        if (mail.InboundProvider == InboundEmailProvider.Mailgun)
        {
            ChannelSettingsRules.Required(errors, nameof(mail.MailgunSigningKey), mail.MailgunSigningKey,
                ServerText.Get("Error.MailgunKeyRequired", "Informe a signing key do Mailgun."));
        }
    }

    protected override void FillKeys(EmailSettings mail) => mail.InboundWebhookPassword = Secrets.OrNewKey(mail.InboundWebhookPassword);

    public override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IChannelSender, EmailSender>();
        services.AddSingleton<EmailThreads>();
    }
}
