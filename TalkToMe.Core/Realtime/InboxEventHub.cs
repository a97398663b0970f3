using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Agents;

namespace TalkToMe.Core.Realtime;

/// <summary>
/// The singleton every open inbox subscribes to. Handlers run on the publisher's thread and must only hand the
/// event over (a Blazor component calls InvokeAsync); one failing subscriber never stops the others.
/// With many nodes, events committed on another node arrive through <see cref="PublishFromOtherNode"/> and reach the
/// same subscribers; only <see cref="SubscribeCommittedHere"/> (what forwards events off this node) does not see them.
/// </summary>
public sealed class InboxEventHub(ILogger<InboxEventHub> logger)
{
    private ImmutableArray<Action<InboxEvent>> _subscribers = [];
    private ImmutableArray<Action<InboxEvent>> _committedHere = [];
    private ImmutableArray<Action> _resync = [];

    public int SubscriberCount => _subscribers.Length;

    /// <summary>Every event, committed on this node or on another one.</summary>
    public IDisposable Subscribe(Action<InboxEvent> handler)
    {
        handler = SubscriberCulture.Bind(handler);
        ImmutableInterlocked.Update(ref _subscribers, s => s.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _subscribers, s => s.Remove(handler)));
    }

    /// <summary>
    /// Every event about a conversation in a channel <paramref name="scope"/> allows (read at each event: an admin may
    /// change a user's channels while their page is open). What a signed-in user's page subscribes with, so an agent
    /// restricted to their groups never hears of another channel's conversations.
    /// </summary>
    public IDisposable Subscribe(Action<InboxEvent> handler, Func<ChannelScope> scope) =>
        Subscribe(e =>
        {
            if (scope().Allows(e.ChannelId))
            {
                handler(e);
            }
        });

    /// <summary>
    /// Only events committed on this node: for whatever carries them to other nodes (the Redis relay, SignalR's Redis
    /// backplane), which would otherwise send an event back and forth.
    /// </summary>
    public IDisposable SubscribeCommittedHere(Action<InboxEvent> handler)
    {
        ImmutableInterlocked.Update(ref _committedHere, s => s.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _committedHere, s => s.Remove(handler)));
    }

    /// <summary>
    /// For open pages: called when this node may have missed events (its link to the other nodes dropped and came
    /// back), so they re-read what they show instead of trusting that every event arrived.
    /// </summary>
    public IDisposable SubscribeResync(Action handler)
    {
        handler = SubscriberCulture.Bind(handler);
        ImmutableInterlocked.Update(ref _resync, s => s.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _resync, s => s.Remove(handler)));
    }

    public void RequestResync()
    {
        foreach (var handler in _resync)
        {
            try
            {
                handler();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "An open page failed to resync");
            }
        }
    }

    /// <summary>An event this node committed.</summary>
    public void Publish(InboxEvent inboxEvent)
    {
        Deliver(_subscribers, inboxEvent);
        Deliver(_committedHere, inboxEvent);
    }

    /// <summary>An event another node committed, relayed to this one.</summary>
    public void PublishFromOtherNode(InboxEvent inboxEvent) => Deliver(_subscribers, inboxEvent);

    private void Deliver(ImmutableArray<Action<InboxEvent>> subscribers, InboxEvent inboxEvent)
    {
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(inboxEvent);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "An inbox subscriber failed on {Event}", inboxEvent.GetType().Name);
            }
        }
    }

    private sealed class Subscription(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                remove();
            }
        }
    }
}
