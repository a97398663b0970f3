using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Core.Realtime;

/// <summary>
/// The singleton every open inbox subscribes to. Handlers run on the publisher's thread and must only hand the
/// event over (a Blazor component calls InvokeAsync); one failing subscriber never stops the others.
/// </summary>
public sealed class InboxEventHub(ILogger<InboxEventHub> logger)
{
    private ImmutableArray<Action<InboxEvent>> _subscribers = [];

    public int SubscriberCount => _subscribers.Length;

    public IDisposable Subscribe(Action<InboxEvent> handler)
    {
        handler = SubscriberCulture.Bind(handler);
        ImmutableInterlocked.Update(ref _subscribers, s => s.Add(handler));
        return new Subscription(this, handler);
    }

    public void Publish(InboxEvent inboxEvent)
    {
        foreach (var subscriber in _subscribers)
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

    private sealed class Subscription(InboxEventHub hub, Action<InboxEvent> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                ImmutableInterlocked.Update(ref hub._subscribers, s => s.Remove(handler));
            }
        }
    }
}
