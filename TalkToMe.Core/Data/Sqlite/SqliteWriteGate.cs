namespace TalkToMe.Core.Data.Sqlite;

/// <summary>
/// SQLite has one writer at a time. Writers in this process queue here (async, FIFO-ish) instead of colliding in the
/// driver, whose busy handling retries with sleeps and would turn a 1 ms write into a 100 ms one under load. Row locks
/// have nothing to add: Microsoft.Data.Sqlite begins every transaction IMMEDIATE, so the reads inside one already see
/// what its write will be based on.
/// </summary>
public sealed class SqliteWriteGate : WriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public override async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Turn(_gate);
    }

    internal override Task LockConversationAsync(TalkToMeDbContext db, int id, CancellationToken cancellationToken) => Task.CompletedTask;

    internal override Task LockMessageAsync(TalkToMeDbContext db, long id, CancellationToken cancellationToken) => Task.CompletedTask;

    internal override Task LockMessagesAsync(TalkToMeDbContext db, long[] ids, CancellationToken cancellationToken) => Task.CompletedTask;

    internal override Task LockAsync<T>(TalkToMeDbContext db, object id, CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
