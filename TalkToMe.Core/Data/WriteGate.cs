using TalkToMe.Core.Data.PostgreSql;
using TalkToMe.Core.Data.Sqlite;

namespace TalkToMe.Core.Data;

/// <summary>
/// How writers take turns on the configured engine: one instance per app (a singleton), shared by every writer through
/// <see cref="UnitOfWorkFactory"/>. SQLite has one writer at a time, so this process queues its writers in memory;
/// PostgreSQL has row locks, so nothing waits in memory (which would not help the other nodes anyway) and a writer that
/// reads a row before changing it locks that row in the database.
/// </summary>
public abstract class WriteGate
{
    public static WriteGate For(DatabaseProvider provider) =>
        provider == DatabaseProvider.PostgreSql ? new PostgreSqlWriteGate() : new SqliteWriteGate();

    /// <summary>This process's turn to write: released when disposed. Returns at once where the engine needs no queue.</summary>
    public abstract ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken);

    /// <summary>Locks a conversation's row for the rest of the transaction, where the engine locks rows.</summary>
    internal abstract Task LockConversationAsync(TalkToMeDbContext db, int id, CancellationToken cancellationToken);

    /// <summary>Locks a message's row for the rest of the transaction, where the engine locks rows.</summary>
    internal abstract Task LockMessageAsync(TalkToMeDbContext db, long id, CancellationToken cancellationToken);

    /// <summary>Locks several messages' rows, in id order (two writers locking overlapping sets never wait on each other in a circle).</summary>
    internal abstract Task LockMessagesAsync(TalkToMeDbContext db, long[] ids, CancellationToken cancellationToken);

    /// <summary>Locks the row of <typeparamref name="T"/> with this key for the rest of the transaction, where the engine locks rows.</summary>
    internal abstract Task LockAsync<T>(TalkToMeDbContext db, object id, CancellationToken cancellationToken) where T : class;
}
