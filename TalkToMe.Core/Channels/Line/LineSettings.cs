namespace TalkToMe.Core.Channels.Line;

public sealed class LineSettings : ChannelSettings
{
    [Secret]
    public string ChannelSecret { get; set; } = "";

    [Secret]
    public string ChannelAccessToken { get; set; } = "";

    public string ApiBaseUrl { get; set; } = "https://api.line.me";
}
