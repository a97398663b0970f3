namespace TalkToMe.Core.Contacts;

/// <summary>
/// Wakes <see cref="ContactProfileService"/> when a look-up was queued on this node, so it starts at once instead of at its
/// next look at the table. Raised after the commit by the unit of work that queued it.
/// </summary>
public sealed class ProfileLookupSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        // At most one pending wake-up: several look-ups queued while the worker runs need only one more pass.
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
