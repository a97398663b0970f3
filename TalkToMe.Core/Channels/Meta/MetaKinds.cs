using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Meta;

/// <summary>
/// Facebook Messenger through a Page (Meta Send API). A page only answers, within 24 hours of the customer's last message;
/// files go by URL, which Meta fetches.
/// </summary>
public sealed class FacebookKind : ChannelKind<FacebookSettings>
{
    public override ChannelType Type => ChannelType.Facebook;

    /// <summary>Messenger (and Instagram) let a page answer, never write first.</summary>
    public override bool SupportsActiveContact => false;

    public override bool HasReplyWindow => true;

    public override bool HasProviderWebhook => true;

    public override bool FetchesMediaByUrl => true;

    /// <summary>Send API attachments by URL: 25 MB each, any type as a file.</summary>
    public override MediaRules Media { get; } = new("Messenger",
        new(25 * MediaLimit.Mb), new(25 * MediaLimit.Mb), new(25 * MediaLimit.Mb), new(25 * MediaLimit.Mb));

    protected override void Check(FacebookSettings meta, IDictionary<string, string> errors) => CheckPage(meta, errors);

    protected override void FillKeys(FacebookSettings meta) => FillVerifyToken(meta);

    protected override void KeepKeys(FacebookSettings meta, FacebookSettings stored) => KeepVerifyToken(meta, stored);

    public override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IChannelSender, FacebookSender>();
        AddMetaServices(services);
    }

    internal static void CheckPage(FacebookSettings meta, IDictionary<string, string> errors)
    {
        ChannelSettingsRules.Required(errors, nameof(meta.PageId), meta.PageId, ServerText.Get("Error.PageIdRequired", "Informe o ID da página."));
        ChannelSettingsRules.Required(errors, nameof(meta.PageAccessToken), meta.PageAccessToken, ServerText.Get("Error.PageTokenRequired", "Informe o token de acesso da página."));
        ChannelSettingsRules.Required(errors, nameof(meta.AppSecret), meta.AppSecret, ServerText.Get("Error.AppSecretRequired", "Informe o App secret."));
        ChannelSettingsRules.Url(errors, nameof(meta.ApiBaseUrl), meta.ApiBaseUrl, required: true);
        ChannelSettingsRules.Required(errors, nameof(meta.ApiVersion), meta.ApiVersion, ServerText.Get("Error.ApiVersionRequired", "Informe a versão da API."));
    }

    internal static void FillVerifyToken(FacebookSettings meta) => meta.VerifyToken = Secrets.OrNewKey(meta.VerifyToken);

    /// <summary>The verify token is shown (it is pasted into Meta's setup), not masked: left empty on edit, it keeps the stored one.</summary>
    internal static void KeepVerifyToken(FacebookSettings meta, FacebookSettings stored) =>
        meta.VerifyToken = string.IsNullOrWhiteSpace(meta.VerifyToken) ? stored.VerifyToken : meta.VerifyToken;

    /// <summary>Media download and profile names serve Messenger and Instagram alike: registered once whichever kind adds them.</summary>
    internal static void AddMetaServices(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMediaSource, MetaMediaSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IContactProfileSource, MessengerProfileSource>());
    }
}

/// <summary>Instagram messaging through the same Graph API as Messenger, with Instagram's own file formats.</summary>
public sealed class InstagramKind : ChannelKind<InstagramSettings>
{
    public override ChannelType Type => ChannelType.Instagram;

    public override bool SupportsActiveContact => false;

    public override bool HasReplyWindow => true;

    public override bool HasProviderWebhook => true;

    public override bool FetchesMediaByUrl => true;

    /// <summary>Instagram's attachment formats (Attachment Upload API): documents only as PDF.</summary>
    public override MediaRules Media { get; } = new("Instagram",
        new(8 * MediaLimit.Mb, ["image/jpeg", "image/png"], "JPEG/PNG"),
        new(25 * MediaLimit.Mb, ["audio/aac", "audio/mp4", "audio/wav", "audio/x-wav"], "AAC/M4A/WAV"),
        new(25 * MediaLimit.Mb, ["video/mp4", "video/ogg", "video/quicktime", "video/webm"], "MP4/OGG/MOV/WEBM"),
        new(25 * MediaLimit.Mb, ["application/pdf"], "PDF"));

    protected override void Check(InstagramSettings ig, IDictionary<string, string> errors)
    {
        FacebookKind.CheckPage(ig, errors);
        ChannelSettingsRules.Required(errors, nameof(ig.InstagramAccountId), ig.InstagramAccountId,
            ServerText.Get("Error.InstagramIdRequired", "Informe o ID da conta do Instagram."));
    }

    protected override void FillKeys(InstagramSettings ig) => FacebookKind.FillVerifyToken(ig);

    protected override void KeepKeys(InstagramSettings ig, InstagramSettings stored) => FacebookKind.KeepVerifyToken(ig, stored);

    public override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IChannelSender, InstagramSender>();
        FacebookKind.AddMetaServices(services);
    }
}
