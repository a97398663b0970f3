namespace TalkToMe.Core.Channels.Email;

public enum InboundEmailProvider
{
    Postmark,
    Mailgun,
}

/// <summary>E-mail: SMTP for replies, a provider webhook (Postmark or Mailgun) for incoming mail.</summary>
public sealed class EmailSettings : ChannelSettings
{
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
