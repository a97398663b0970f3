using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>WhatsApp Business Cloud API (Meta Graph): free replies within 24 hours, approved templates outside them.</summary>
public sealed class WhatsAppKind : ChannelKind<WhatsAppSettings>
{
    public override ChannelType Type => ChannelType.WhatsApp;

    public override bool HasReplyWindow => true;

    public override bool SendsTemplates => true;

    public override bool HasProviderWebhook => true;

    /// <summary>Cloud API "Supported media types": only these types, or the upload is refused.</summary>
    public override MediaRules Media { get; } = new("WhatsApp",
        new(5 * MediaLimit.Mb, ["image/jpeg", "image/png"], "JPEG/PNG"),
        new(16 * MediaLimit.Mb, ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"], "AAC/AMR/MP3/M4A/OGG"),
        new(16 * MediaLimit.Mb, ["video/mp4", "video/3gpp"], "MP4/3GPP"),
        new(100 * MediaLimit.Mb,
        [
            "application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ], "PDF/TXT/Word/Excel/PowerPoint"),
        // Sticker: image/webp only (WhatsApp takes no WebP image), 100 KB static, 500 KB animated.
        Sticker: new(100 * StickerLimit.Kb, 500 * StickerLimit.Kb));

    /// <summary>WhatsApp identities are the wa_id the webhook reports (country code and number, digits only).</summary>
    public override string ContactIdentity(string typed) =>
        WhatsAppNumbers.ToWaId(typed) ?? throw new Conversations.ConversationRuleException(ServerText.Get("Error.NotAWhatsAppNumber",
            "{0} não é um número de WhatsApp válido: use o formato internacional, como +5511999998888.", typed));

    /// <summary>A wa_id is the number without its "+".</summary>
    public override string? ContactPhone(string identity) => identity.StartsWith('+') ? identity : "+" + identity;

    protected override void Check(WhatsAppSettings wa, IDictionary<string, string> errors)
    {
        ChannelSettingsRules.Required(errors, nameof(wa.PhoneNumberId), wa.PhoneNumberId, ServerText.Get("Error.PhoneNumberIdRequired", "Informe o Phone number ID."));
        ChannelSettingsRules.Required(errors, nameof(wa.AccessToken), wa.AccessToken, ServerText.Get("Error.AccessTokenRequired", "Informe o token de acesso."));
        ChannelSettingsRules.Required(errors, nameof(wa.AppSecret), wa.AppSecret, ServerText.Get("Error.AppSecretRequired", "Informe o App secret."));
        ChannelSettingsRules.Url(errors, nameof(wa.ApiBaseUrl), wa.ApiBaseUrl, required: true);
        ChannelSettingsRules.Required(errors, nameof(wa.ApiVersion), wa.ApiVersion, ServerText.Get("Error.ApiVersionRequired", "Informe a versão da API."));
    }

    protected override void FillKeys(WhatsAppSettings wa) => wa.VerifyToken = Secrets.OrNewKey(wa.VerifyToken);

    /// <summary>The verify token is shown (it is pasted into Meta's setup), not masked: left empty on edit, it keeps the stored one.</summary>
    protected override void KeepKeys(WhatsAppSettings wa, WhatsAppSettings stored) =>
        wa.VerifyToken = string.IsNullOrWhiteSpace(wa.VerifyToken) ? stored.VerifyToken : wa.VerifyToken;

    public override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IChannelSender, WhatsAppSender>();
        services.AddSingleton<IMediaSource, WhatsAppMediaSource>();
        services.AddSingleton<WhatsAppTemplateService>();
    }
}
