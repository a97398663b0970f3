using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Tests.Core.Realtime;

public class InboxEventHubTests
{
    [Fact]
    public void Publish_ReachesEverySubscriber_EvenWhenOneThrows()
    {
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        var received = new List<int>();
        using var failing = hub.Subscribe(_ => throw new InvalidOperationException("boom"));
        using var working = hub.Subscribe(e => received.Add(e.ConversationId));

        hub.Publish(new ConversationChanged(7, 1, ConversationStatus.Open, null));

        Assert.Equal([7], received);
    }

    [Fact]
    public void Dispose_StopsDelivery()
    {
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        var count = 0;
        var subscription = hub.Subscribe(_ => count++);

        subscription.Dispose();
        subscription.Dispose();
        hub.Publish(new MessageAdded(1, 1, 1));

        Assert.Equal(0, count);
        Assert.Equal(0, hub.SubscriberCount);
    }
}
