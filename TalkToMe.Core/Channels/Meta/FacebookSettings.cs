namespace TalkToMe.Core.Channels.Meta;

/// <summary>Facebook Messenger through a Page.</summary>
public class FacebookSettings : ChannelSettings
{
    public string PageId { get; set; } = "";

    [Secret]
    public string PageAccessToken { get; set; } = "";

    [Secret]
    public string AppSecret { get; set; } = "";

    public string VerifyToken { get; set; } = "";
    public string ApiBaseUrl { get; set; } = "https://graph.facebook.com";
    public string ApiVersion { get; set; } = "v21.0";
}
