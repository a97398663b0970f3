namespace TalkToMe.Core.Conversations;

/// <summary>
/// Wakes the snooze wake-up service (<see cref="SnoozeWakeService"/>) when a snooze is stored, so it recomputes when the
/// next one ends instead of sleeping past it. Raised after the commit by the unit of work that stored the snooze.
/// </summary>
public sealed class SnoozeSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        // At most one pending wake-up: several snoozes while the service works need only one more pass.
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>Waits for a notification (the caller bounds the wait with its own clock).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <summary>Takes a pending notification, if any: a pass about to read the database covers it.</summary>
    public bool TryTake() => _signal.Wait(0);
}
