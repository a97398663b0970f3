namespace TalkToMe.Core.Channels.Email;

public enum InboundEmailProvider
{
    Postmark,
    Mailgun,
}

/// <summary>E-mail: SMTP for replies, a provider webhook (Postmark or Mailgun) for incoming mail.</summary>
public sealed class EmailSettings : ChannelSettings
{
    /// <summary>E-mail identities are the lower-cased address, as the inbound webhook stores them: one contact per mailbox.</summary>
    public override string ContactIdentity(string typed)
    {
        if (!System.Net.Mail.MailAddress.TryCreate(typed, out var address) || address.DisplayName.Length > 0)
        {
            throw new Conversations.ConversationRuleException(ServerText.Get("Error.NotAnEmail", "{0} não é um endereço de e-mail válido.", typed));
        }

        return address.Address.ToLowerInvariant();
    }

    /// <summary>The support address customers write to; replies go out from it.</summary>
    public string EmailAddress { get; set; } = "";
    public string FromName { get; set; } = "";
    public string SmtpHost { get; set; } = "";
    public int SmtpPort { get; set; } = 587;
    public bool SmtpUseTls { get; set; } = true;
    public string SmtpUsername { get; set; } = "";

    [Secret]
    public string SmtpPassword { get; set; } = "";

    public InboundEmailProvider InboundProvider { get; set; } = InboundEmailProvider.Postmark;

    /// <summary>Postmark has no signature: its webhook URL carries Basic auth with this password.</summary>
    [Secret]
    public string InboundWebhookPassword { get; set; } = "";

    [Secret]
    public string MailgunSigningKey { get; set; } = "";
}
