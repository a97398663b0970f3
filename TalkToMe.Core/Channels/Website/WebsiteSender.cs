using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Website;

/// <summary>
/// Agent replies reach the visitor through the widget's live page, which reads them from the database as soon as
/// they are stored; there is no provider to call, so a reply counts as sent once the dispatcher picks it up.
/// </summary>
public sealed class WebsiteSender : IChannelSender
{
    public ChannelType Type => ChannelType.Website;

    public Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken) =>
        Task.FromResult(SendResult.Sent());
}
