namespace TalkToMe.Core.Channels.Api;

/// <summary>
/// The generic API channel: external systems post incoming messages with the channel's API token (its hash is on the
/// channel); outgoing messages are POSTed to <see cref="WebhookUrl"/>, signed with <see cref="WebhookSecret"/>.
/// </summary>
public sealed class ApiChannelSettings : ChannelSettings
{
    public string WebhookUrl { get; set; } = "";

    [Secret]
    public string WebhookSecret { get; set; } = "";
}
