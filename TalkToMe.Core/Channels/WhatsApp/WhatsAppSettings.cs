namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>WhatsApp Business Cloud API (Meta Graph).</summary>
public sealed class WhatsAppSettings : ChannelSettings
{
    public string PhoneNumberId { get; set; } = "";
    public string BusinessAccountId { get; set; } = "";

    [Secret]
    public string AccessToken { get; set; } = "";

    /// <summary>Signs webhooks (X-Hub-Signature-256).</summary>
    [Secret]
    public string AppSecret { get; set; } = "";

    /// <summary>Pasted into Meta's webhook setup; answered in the GET handshake.</summary>
    public string VerifyToken { get; set; } = "";

    public string ApiBaseUrl { get; set; } = "https://graph.facebook.com";
    public string ApiVersion { get; set; } = "v21.0";
}
