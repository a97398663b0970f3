namespace TalkToMe.Core.Data;

/// <summary>
/// SQLite has one writer at a time. Writers in this process queue here (async, FIFO-ish) instead of colliding in the
/// driver, whose busy handling retries with sleeps and would turn a 1 ms write into a 100 ms one under load.
/// </summary>
public static class SqliteWriteGate
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        return new Releaser();
    }

    private sealed class Releaser : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Gate.Release();
            }
        }
    }
}
