using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Conversations;

/// <summary>One conversation's list row after an event: null when the conversation no longer exists.</summary>
public sealed record InboxRowChange(int ConversationId, ConversationListItem? Row, bool HasNewMessage);

/// <summary>
/// What every open inbox page shares, so that N agents online cost one database read per change, not N.
/// It listens to <see cref="InboxEventHub"/> once for all circuits, reads the changed conversations' list rows (one query
/// for everything that arrived while the previous read ran) and hands the same immutable rows to every subscribed page,
/// which matches them against its own tab and filters in memory. It also shares the open thread's per-event reads and
/// the tab counts. When no inbox is open it reads nothing.
/// </summary>
public sealed class InboxFeed : IDisposable
{
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];

    private readonly InboxQuery _query;
    private readonly InboxLookups _lookups;
    private readonly ILogger<InboxFeed> _logger;
    private readonly IDisposable _hubSubscription;
    private readonly Channel<InboxEvent> _events = Channel.CreateUnbounded<InboxEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private ImmutableArray<Action<IReadOnlyList<InboxRowChange>>> _subscribers = [];
    private long _version;

    // Every circuit receives the same event instance from the hub: the first to ask reads, the others share the task.
    private readonly ConditionalWeakTable<InboxEvent, Task<ConversationHeader?>> _headers = new();
    private readonly ConditionalWeakTable<InboxEvent, Task<ThreadMessage?>> _messages = new();

    private readonly Lock _countsGate = new();
    private readonly Dictionary<(AssigneeFilter, string?, string), (long Version, Task<IReadOnlyDictionary<ConversationStatus, int>> Counts)> _counts = [];

    public InboxFeed(InboxEventHub hub, InboxQuery query, InboxLookups lookups, ILogger<InboxFeed> logger)
    {
        _query = query;
        _lookups = lookups;
        _logger = logger;
        _hubSubscription = hub.Subscribe(OnEvent);
        _loop = Task.Run(ReadLoopAsync);
    }

    /// <summary>How many events have been published so far: tab counts computed at or after a version include them.</summary>
    public long Version => Interlocked.Read(ref _version);

    public int SubscriberCount => _subscribers.Length;

    /// <summary>
    /// The handler runs on the feed's thread with a batch of row changes (possibly several per conversation, in order);
    /// it must only hand them over (a component queues them and calls InvokeAsync).
    /// </summary>
    public IDisposable Subscribe(Action<IReadOnlyList<InboxRowChange>> handler)
    {
        return Add(handler);
    }

    /// <summary>
    /// As above, for a signed-in user: only the rows of channels <paramref name="scope"/> (read at each batch: an admin may
    /// change it while the page is open) allows; a batch with none is not handed over at all.
    /// </summary>
    public IDisposable Subscribe(Action<IReadOnlyList<InboxRowChange>> handler, Func<ChannelScope> scope) =>
        Add(changes =>
        {
            var current = scope();
            if (current.IsAll)
            {
                handler(changes);
                return;
            }

            // A row that no longer exists (null) names no channel and says nothing: the page drops it if it had it.
            var visible = changes.Where(c => c.Row is null || current.Allows(c.Row.ChannelId)).ToList();
            if (visible.Count > 0)
            {
                handler(visible);
            }
        });

    private IDisposable Add(Action<IReadOnlyList<InboxRowChange>> handler)
    {
        handler = SubscriberCulture.Bind(handler);
        ImmutableInterlocked.Update(ref _subscribers, s => s.Add(handler));
        return new Subscription(this, handler);
    }

    /// <summary>The open thread's header after an event, read once for every circuit that shows that conversation.</summary>
    public Task<ConversationHeader?> HeaderAsync(InboxEvent inboxEvent) =>
        _headers.GetValue(inboxEvent, e => _lookups.HeaderAsync(e.ConversationId));

    /// <summary>The added or updated message of an event, read once for every circuit that shows its thread.</summary>
    public Task<ThreadMessage?> MessageAsync(InboxEvent inboxEvent) => inboxEvent switch
    {
        MessageAdded added => _messages.GetValue(inboxEvent, _ => _lookups.MessageAsync(added.MessageId)),
        MessageUpdated updated => _messages.GetValue(inboxEvent, _ => _lookups.MessageAsync(updated.MessageId)),
        _ => Task.FromResult<ThreadMessage?>(null),
    };

    /// <summary>
    /// The tab counts for an assignee tab, computed no earlier than <paramref name="atLeastVersion"/>: pages that saw
    /// the same events share one computation (three indexed COUNTs) instead of running their own.
    /// </summary>
    public Task<IReadOnlyDictionary<ConversationStatus, int>> CountsAsync(AssigneeFilter assignee, string? agentId, long atLeastVersion) =>
        CountsAsync(assignee, agentId, atLeastVersion, ChannelScope.All);

    /// <summary>As above, counting only the channels <paramref name="scope"/> allows (shared by pages with the same scope).</summary>
    public Task<IReadOnlyDictionary<ConversationStatus, int>> CountsAsync(AssigneeFilter assignee, string? agentId, long atLeastVersion,
        ChannelScope scope)
    {
        var key = (assignee, assignee == AssigneeFilter.Mine ? agentId : null, scope.Key);
        lock (_countsGate)
        {
            if (_counts.TryGetValue(key, out var cached) && cached.Version >= atLeastVersion && !cached.Counts.IsFaulted)
            {
                return cached.Counts;
            }

            var version = Version;
            var counts = _lookups.CountsAsync(assignee, agentId, scope);
            _counts[key] = (version, counts);
            return counts;
        }
    }

    private void OnEvent(InboxEvent inboxEvent)
    {
        Interlocked.Increment(ref _version);
        _events.Writer.TryWrite(inboxEvent);
    }

    private async Task ReadLoopAsync()
    {
        var reader = _events.Reader;
        var batch = new List<InboxEvent>();
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                while (reader.TryRead(out var inboxEvent))
                {
                    batch.Add(inboxEvent);
                }

                if (_subscribers.IsEmpty)
                {
                    continue;
                }

                try
                {
                    await PublishAsync(batch);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Pages resync when their tab wakes up or their connection comes back; the feed itself carries on.
                    _logger.LogError(ex, "Inbox rows for {Count} events could not be read", batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task PublishAsync(List<InboxEvent> batch)
    {
        var ids = batch.Select(e => e.ConversationId).Distinct().ToList();
        Dictionary<int, ConversationListItem>? rows = null;
        for (var attempt = 0; rows is null; attempt++)
        {
            try
            {
                rows = (await _query.FindManyAsync(ids, _stop.Token)).ToDictionary(r => r.Id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < RetryDelays.Length)
            {
                _logger.LogWarning(ex, "Reading {Count} changed inbox rows failed; retrying", ids.Count);
                await Task.Delay(RetryDelays[attempt], _stop.Token);
            }
        }

        var changes = ids.Select(id => new InboxRowChange(id, rows.GetValueOrDefault(id),
            batch.Any(e => e.ConversationId == id && e is MessageAdded))).ToList();
        foreach (var subscriber in _subscribers)
        {
            try
            {
                subscriber(changes);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "An inbox page failed to take {Count} row changes", changes.Count);
            }
        }
    }

    public void Dispose()
    {
        _hubSubscription.Dispose();
        _events.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop's failure was logged where it happened.
        }

        _stop.Dispose();
    }

    private sealed class Subscription(InboxFeed feed, Action<IReadOnlyList<InboxRowChange>> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                ImmutableInterlocked.Update(ref feed._subscribers, s => s.Remove(handler));
            }
        }
    }
}
