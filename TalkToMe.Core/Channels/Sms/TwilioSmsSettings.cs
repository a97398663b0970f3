namespace TalkToMe.Core.Channels.Sms;

/// <summary>SMS through Twilio.</summary>
public sealed class TwilioSmsSettings : ChannelSettings
{
    public string AccountSid { get; set; } = "";

    [Secret]
    public string AuthToken { get; set; } = "";

    /// <summary>The Twilio number messages come from, in E.164 (+5511…).</summary>
    public string FromNumber { get; set; } = "";

    public string ApiBaseUrl { get; set; } = "https://api.twilio.com";

    /// <summary>
    /// Overrides the StatusCallback sent with every message (Twilio reports sent / delivered / failed there). Empty: this
    /// channel's webhook under TalkToMe:PublicUrl (<c>{PublicUrl}/webhooks/sms/{publicKey}</c>); no receipts if that is unset too.
    /// </summary>
    public string StatusCallbackUrl { get; set; } = "";
}
