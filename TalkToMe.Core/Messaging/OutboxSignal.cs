namespace TalkToMe.Core.Messaging;

/// <summary>
/// Wakes the outbound dispatcher when a pending message is committed, so it sends at once instead of polling.
/// Whoever commits an outgoing message calls <see cref="Notify"/> after the commit.
/// </summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        // At most one pending wake-up: several commits while the dispatcher works need only one more pass.
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

    /// <summary>Waits for a notification or the timeout (the next retry due time); true when notified.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _signal.WaitAsync(timeout, cancellationToken);
}
