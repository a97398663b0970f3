using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Sms;

/// <summary>SMS and MMS through Twilio: a signed form-encoded webhook in, the Messages API out.</summary>
public sealed partial class TwilioSmsKind : ChannelKind<TwilioSmsSettings>
{
    public override ChannelType Type => ChannelType.Sms;

    public override bool HasProviderWebhook => true;

    /// <summary>Twilio fetches each MediaUrl itself.</summary>
    public override bool FetchesMediaByUrl => true;

    /// <summary>Twilio MMS: 5 MB for the whole message, the types it passes on to phones.</summary>
    public override MediaRules Media { get; } = new("SMS",
        new(5 * MediaLimit.Mb, ["image/jpeg", "image/png", "image/gif"], "JPEG/PNG/GIF"),
        new(5 * MediaLimit.Mb, ["audio/mpeg", "audio/mp4", "audio/ogg", "audio/amr"], "MP3/M4A/OGG/AMR"),
        new(5 * MediaLimit.Mb, ["video/mp4", "video/3gpp"], "MP4/3GPP"),
        new(5 * MediaLimit.Mb, ["application/pdf", "text/vcard", "text/x-vcard"], "PDF/vCard"), MaxTotalBytes: 5 * MediaLimit.Mb);

    /// <summary>Twilio's From is the customer's number in E.164.</summary>
    public override string? ContactPhone(string identity) => identity.StartsWith('+') ? identity : "+" + identity;

    protected override void Check(TwilioSmsSettings sms, IDictionary<string, string> errors)
    {
        ChannelSettingsRules.Required(errors, nameof(sms.AccountSid), sms.AccountSid, ServerText.Get("Error.AccountSidRequired", "Informe o Account SID."));
        ChannelSettingsRules.Required(errors, nameof(sms.AuthToken), sms.AuthToken, ServerText.Get("Error.AuthTokenRequired", "Informe o Auth token."));
        if (string.IsNullOrWhiteSpace(sms.FromNumber) || !E164().IsMatch(sms.FromNumber.Trim()))
        {
            errors[ChannelSettingsRules.Prefix + nameof(sms.FromNumber)] = ServerText.Get("Error.FromNumberFormat", "Informe o número no formato +5511999999999.");
        }

        ChannelSettingsRules.Url(errors, nameof(sms.ApiBaseUrl), sms.ApiBaseUrl, required: true);
    }

    public override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IChannelSender, TwilioSmsSender>();
        services.AddSingleton<IMediaSource, TwilioMediaSource>();
    }

    [GeneratedRegex(@"^\+[1-9]\d{6,14}$")]
    private static partial Regex E164();
}
