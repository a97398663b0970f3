namespace TalkToMe.Core;

/// <summary>
/// Wakes one background worker after a commit, so it acts at once instead of at its next look at the database. At most
/// one wake-up is pending: the pass that takes it reads everything that is due. Each worker has its own subclass, so the
/// container gives each its own signal.
/// </summary>
public abstract class WakeSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another thread released it between the check and here: one pending wake-up is enough.
            }
        }
    }

    /// <summary>Waits for a notification (the caller bounds the wait with its own clock).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <summary>Waits for a notification at most <paramref name="timeout"/>; false when none came.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    /// <summary>
    /// A worker's sleep between passes: until a notification comes or <paramref name="sleep"/> has passed on
    /// <paramref name="time"/>'s clock (a test's fake clock included), whichever is first; at once for zero.
    /// </summary>
    public async Task SleepAsync(TimeSpan sleep, TimeProvider time, CancellationToken stoppingToken)
    {
        if (sleep == TimeSpan.Zero)
        {
            return;
        }

        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var notified = WaitAsync(wake.Token);
        var due = Task.Delay(sleep, time, wake.Token);
        await Task.WhenAny(notified, due);
        await wake.CancelAsync();
        try
        {
            await Task.WhenAll(notified, due);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Takes a pending notification, if any: a pass about to read the database covers it.</summary>
    public bool TryTake() => _signal.Wait(0);
}
