using System.Collections.Concurrent;

namespace TalkToMe.Core.KeepAlive;

/// <summary>
/// Wakes the Keep Alive engine: after a customer message changes a due time (<see cref="NotifyDueTimesChanged"/>) or
/// after an admin saves a channel's Keep Alive or switches (<see cref="NotifyChannelChanged"/>, so deadlines of its
/// open conversations are recomputed at once). Call after the commit.
/// </summary>
public sealed class KeepAliveSignal : WakeSignal
{
    private readonly ConcurrentQueue<int> _changedChannels = new();

    public void NotifyChannelChanged(int channelId)
    {
        _changedChannels.Enqueue(channelId);
        Wake();
    }

    public void NotifyDueTimesChanged() => Wake();

    /// <summary>The channels changed since the last call, each once.</summary>
    public IReadOnlyCollection<int> TakeChangedChannels()
    {
        var ids = new HashSet<int>();
        while (_changedChannels.TryDequeue(out var id))
        {
            ids.Add(id);
        }

        return ids;
    }

    private void Wake() => Notify();
}
