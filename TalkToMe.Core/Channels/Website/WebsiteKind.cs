using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Website;

/// <summary>Website live chat: the widget on the organisation's site. Its visitors are answered in the widget itself.</summary>
public sealed partial class WebsiteKind : ChannelKind<WebsiteSettings>
{
    public override ChannelType Type => ChannelType.Website;

    /// <summary>A visitor is only ever answered: there is no address to write to first.</summary>
    public override bool SupportsActiveContact => false;

    /// <summary>The widget shows files from this app's own store (the visitor's links to their conversation's files).</summary>
    public override MediaRules Media { get; } = new("chat do site",
        new(25 * MediaLimit.Mb), new(25 * MediaLimit.Mb), new(25 * MediaLimit.Mb), new(25 * MediaLimit.Mb));

    protected override void Check(WebsiteSettings site, IDictionary<string, string> errors)
    {
        ChannelSettingsRules.Url(errors, nameof(site.WebsiteUrl), site.WebsiteUrl, required: true);
        if (!HexColor().IsMatch(site.WidgetColor ?? ""))
        {
            errors[ChannelSettingsRules.Prefix + nameof(site.WidgetColor)] = ServerText.Get("Error.WidgetColorFormat", "Informe a cor no formato #RRGGBB.");
        }

        ChannelSettingsRules.Max(errors, nameof(site.WelcomeTitle), site.WelcomeTitle, 100);
        ChannelSettingsRules.Max(errors, nameof(site.WelcomeText), site.WelcomeText, 500);
        foreach (var origin in site.AllowedOrigins ?? [])
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
            {
                errors[ChannelSettingsRules.Prefix + nameof(site.AllowedOrigins)] = ServerText.Get("Error.OriginInvalid", "Origem inválida: {0}. Use esquema://host[:porta].", origin);
                break;
            }
        }
    }

    protected override void FillKeys(WebsiteSettings site) => site.IdentityVerificationSecret = Secrets.OrNewKey(site.IdentityVerificationSecret);

    public override void AddServices(IServiceCollection services) => services.AddSingleton<IChannelSender, WebsiteSender>();

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex HexColor();
}
