using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Components.Pages.Inbox;

/// <summary>
/// How many conversations wait for automatic assignment ("Fila"), for every open inbox of this node: counted once here and
/// again at most every <see cref="Throttle"/> after a conversation changes (on any node) or a channel's mode changes (here),
/// never once per open page. A mode changed on another node shows within <see cref="MaxAge"/>.
/// </summary>
public sealed class QueueWatch : IDisposable
{
    public static readonly TimeSpan Throttle = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly AutoAssigner _assigner;
    private readonly AutoAssignSignal _modes;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueWatch> _logger;
    private readonly IDisposable _subscription;
    private int _scheduled;
    private IReadOnlyDictionary<int, int>? _counts;
    private long _countedAt;

    public QueueWatch(AutoAssigner assigner, AutoAssignSignal modes, InboxEventHub events, TimeProvider time, ILogger<QueueWatch> logger)
    {
        _assigner = assigner;
        _time = time;
        _logger = logger;
        _subscription = events.Subscribe(e =>
        {
            if (e is ConversationChanged)
            {
                Schedule();
            }
        });
        _modes = modes;
        _modes.ModesChanged += Schedule;
    }

    /// <summary>Raised (on a pool thread) when the counts changed.</summary>
    public event Action? Changed;

    /// <summary>How many wait in the queues of the channels <paramref name="scope"/> allows (an agent restricted to their
    /// groups counts only their channels' queues).</summary>
    public async Task<int> CountAsync(ChannelScope scope)
    {
        var counts = _counts;
        if (counts is null || _time.GetElapsedTime(Volatile.Read(ref _countedAt)) >= MaxAge)
        {
            counts = _counts = await _assigner.WaitingByChannelAsync();
            Volatile.Write(ref _countedAt, _time.GetTimestamp());
        }

        return counts.Where(c => scope.Allows(c.Key)).Sum(c => c.Value);
    }

    private void Schedule()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(Throttle, _time);
                Volatile.Write(ref _scheduled, 0);
                var counts = await _assigner.WaitingByChannelAsync();
                Volatile.Write(ref _countedAt, _time.GetTimestamp());
                var before = _counts;
                _counts = counts;
                if (before is null || before.Count != counts.Count || counts.Any(c => before.GetValueOrDefault(c.Key) != c.Value))
                {
                    Changed?.Invoke();
                }
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _scheduled, 0);
                _logger.LogWarning(ex, "Could not count the automatic assignment queue");
            }
        });
    }

    public void Dispose()
    {
        _modes.ModesChanged -= Schedule;
        _subscription.Dispose();
    }
}
