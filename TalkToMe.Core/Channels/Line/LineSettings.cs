namespace TalkToMe.Core.Channels.Line;

public sealed class LineSettings : ChannelSettings
{
    [Secret]
    public string ChannelSecret { get; set; } = "";

    [Secret]
    public string ChannelAccessToken { get; set; } = "";

    public string ApiBaseUrl { get; set; } = "https://api.line.me";

    /// <summary>Where LINE serves the content of images, audio, video and files customers send.</summary>
    public string DataApiBaseUrl { get; set; } = "https://api-data.line.me";
}
