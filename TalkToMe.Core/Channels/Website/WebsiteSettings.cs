namespace TalkToMe.Core.Channels.Website;

/// <summary>Website live chat: the widget's look and where it may run.</summary>
public sealed class WebsiteSettings : ChannelSettings
{
    /// <summary>The site's address, e.g. https://www.example.com.</summary>
    public string WebsiteUrl { get; set; } = "";
    public string WidgetColor { get; set; } = "#3949ab";
    public string WelcomeTitle { get; set; } = "Olá!";
    public string WelcomeText { get; set; } = "Como podemos ajudar?";

    /// <summary>Origins (scheme://host[:port]) allowed to embed the widget; empty means the site's own origin only.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>HMAC key for identifier_hash (identity verification, as in Chatwoot).</summary>
    [Secret]
    public string IdentityVerificationSecret { get; set; } = "";

    public bool RequireIdentityVerification { get; set; }
}
