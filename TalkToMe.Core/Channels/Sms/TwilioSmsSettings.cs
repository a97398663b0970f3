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
    /// Sent as StatusCallback with every message so Twilio reports sent / delivered / failed: this channel's webhook URL
    /// (<c>https://host/webhooks/sms/{publicKey}</c>). Empty: no delivery receipts.
    /// </summary>
    public string StatusCallbackUrl { get; set; } = "";
}
