namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>WhatsApp Business Cloud API (Meta Graph).</summary>
public sealed class WhatsAppSettings : ChannelSettings
{
    /// <summary>WhatsApp identities are the wa_id the webhook reports (country code and number, digits only).</summary>
    public override string ContactIdentity(string typed) =>
        WhatsAppNumbers.ToWaId(typed) ?? throw new Conversations.ConversationRuleException(ServerText.Get("Error.NotAWhatsAppNumber",
            "{0} não é um número de WhatsApp válido: use o formato internacional, como +5511999998888.", typed));

    public override string? ContactPhone(string identity) => "+" + identity;

    public override bool SendsTemplates() => true;

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
