using System.Collections.Concurrent;

namespace TalkToMe.Web.Widget;

/// <summary>
/// Anonymous visitors may send a burst of messages, not a flood: at most <see cref="MaxMessages"/> per
/// <see cref="Window"/> per visitor (and per circuit for a visitor that has no id yet).
/// </summary>
public sealed class WidgetRateLimiter(TimeProvider time)
{
    public const int MaxMessages = 10;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _sent = new();

    public bool TryAcquire(string visitorKey)
    {
        var now = time.GetUtcNow();
        var queue = _sent.GetOrAdd(visitorKey, _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            while (queue.Count > 0 && now - queue.Peek() > Window)
            {
                queue.Dequeue();
            }

            if (queue.Count >= MaxMessages)
            {
                return false;
            }

            queue.Enqueue(now);
        }

        if (_sent.Count > 50_000)
        {
            // Forget idle visitors so the table cannot grow without bound.
            foreach (var (key, old) in _sent)
            {
                lock (old)
                {
                    if (old.Count == 0 || now - old.Peek() > Window)
                    {
                        _sent.TryRemove(key, out _);
                    }
                }
            }
        }

        return true;
    }
}
