using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Line;

/// <summary>A LINE Official Account (Messaging API): signed webhooks in, push messages out, names from the profile API.</summary>
public sealed class LineKind : ChannelKind<LineSettings>
{
    public override ChannelType Type => ChannelType.Line;

    public override bool HasProviderWebhook => true;

    /// <summary>LINE's image message takes the original and the preview by HTTPS URL.</summary>
    public override bool FetchesMediaByUrl => true;

    /// <summary>
    /// LINE's image message: JPEG or PNG up to 10 MB. Its audio and video messages need a length and a preview image TalkToMe
    /// does not have, and it has no file message: those kinds are refused.
    /// </summary>
    public override MediaRules Media { get; } = new("LINE", new(10 * MediaLimit.Mb, ["image/jpeg", "image/png"], "JPEG/PNG"), null, null, null,
        Accepts: "JPEG/PNG");

    protected override void Check(LineSettings line, IDictionary<string, string> errors)
    {
        ChannelSettingsRules.Required(errors, nameof(line.ChannelSecret), line.ChannelSecret, ServerText.Get("Error.ChannelSecretRequired", "Informe o Channel secret."));
        ChannelSettingsRules.Required(errors, nameof(line.ChannelAccessToken), line.ChannelAccessToken,
            ServerText.Get("Error.ChannelAccessTokenRequired", "Informe o Channel access token."));
        ChannelSettingsRules.Url(errors, nameof(line.ApiBaseUrl), line.ApiBaseUrl, required: true);
    }

    public override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IChannelSender, LineSender>();
        services.AddSingleton<IMediaSource, LineMediaSource>();
        services.AddSingleton<IContactProfileSource, LineProfileSource>();
    }
}
