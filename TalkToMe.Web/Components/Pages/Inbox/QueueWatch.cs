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
    private int? _count;
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

    /// <summary>Raised (on a pool thread) when the count changed.</summary>
    public event Action? Changed;

    public async Task<int> CountAsync()
    {
        if (_count is { } known && _time.GetElapsedTime(Volatile.Read(ref _countedAt)) < MaxAge)
        {
            return known;
        }

        _count = await _assigner.WaitingAsync();
        Volatile.Write(ref _countedAt, _time.GetTimestamp());
        return _count.Value;
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
                var count = await _assigner.WaitingAsync();
                Volatile.Write(ref _countedAt, _time.GetTimestamp());
                if (count != _count)
                {
                    _count = count;
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
