using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Data;

/// <summary>
/// One write transaction: the writer's turn (<see cref="WriteGate"/>), a context with its transaction, and what the
/// transaction changed. <see cref="CommitAsync"/> saves, commits, and only then publishes the inbox events and wakes the
/// workers, so no browser shows and no worker acts on a change that was rolled back. Disposing a unit that was not
/// committed rolls back and publishes nothing. Made by <see cref="UnitOfWorkFactory"/>; use it once.
/// </summary>
public sealed class UnitOfWork : IAsyncDisposable
{
    private readonly UnitOfWorkFactory _owner;
    private readonly WriteGate _gate;
    private readonly IDbContextTransaction _transaction;
    private readonly List<UnitChanges> _parts = [new()];
    private IDisposable? _turn;

    internal UnitOfWork(UnitOfWorkFactory owner, WriteGate gate, IDisposable turn, TalkToMeDbContext db, IDbContextTransaction transaction)
    {
        _owner = owner;
        _gate = gate;
        _turn = turn;
        Db = db;
        _transaction = transaction;
    }

    public TalkToMeDbContext Db { get; }

    /// <summary>For raw SQL hot paths: commands on this connection join the unit's transaction through <see cref="Transaction"/>.</summary>
    public DbConnection Connection => Db.Database.GetDbConnection();

    public DbTransaction Transaction => _transaction.GetDbTransaction();

    private UnitChanges Current => _parts[^1];

    /// <summary>An event of a change written without tracked entities (raw SQL), published after the commit.</summary>
    public void Publish(InboxEvent inboxEvent) => Current.Events.Add(inboxEvent);

    public void Publish(IEnumerable<InboxEvent> events) => Current.Events.AddRange(events);

    /// <summary>Wakes the outbound dispatcher after the commit (a pending message saved through EF wakes it by itself).</summary>
    public void WakeOutbox() => Current.Outbox = true;

    /// <summary>Wakes the Keep Alive engine after the commit: a due time changed.</summary>
    public void WakeKeepAlive() => Current.KeepAlive = true;

    /// <summary>Has the Keep Alive engine recompute a channel's deadlines after the commit (its settings or switches changed).</summary>
    public void KeepAliveChannelChanged(int channelId) => Current.KeepAliveChannels.Add(channelId);

    /// <summary>Wakes the snooze wake-up service after the commit: a snooze was stored.</summary>
    public void WakeSnooze() => Current.Snooze = true;

    /// <summary>Wakes the profile look-up worker after the commit: a look-up was queued.</summary>
    public void WakeProfileLookups() => Current.ProfileLookups = true;

    /// <summary>Wakes the media downloader after the commit: an attachment is due.</summary>
    public void WakeMedia() => Current.Media = true;

    /// <summary>
    /// Locks the conversation's row until the commit on engines that lock rows (PostgreSQL), before a read the write depends
    /// on; SQLite's writer already holds the whole database.
    /// </summary>
    public Task LockConversationAsync(int id, CancellationToken cancellationToken = default) =>
        _gate.LockConversationAsync(Db, id, cancellationToken);

    /// <inheritdoc cref="LockConversationAsync"/>
    public Task LockMessageAsync(long id, CancellationToken cancellationToken = default) =>
        _gate.LockMessageAsync(Db, id, cancellationToken);

    /// <summary>Locks several messages' rows (see <see cref="LockConversationAsync"/>). Read them again afterwards: what
    /// was read before the lock may have been changed by the writer the lock waited for.</summary>
    public async Task LockMessagesAsync(IEnumerable<long> ids, CancellationToken cancellationToken = default)
    {
        var sorted = ids.Distinct().Order().ToArray();
        if (sorted.Length > 0)
        {
            await _gate.LockMessagesAsync(Db, sorted, cancellationToken);
        }
    }

    /// <summary>
    /// Locks one row of <typeparamref name="T"/> (a flow, a channel, a group…) until the commit on engines that lock rows,
    /// before reading what the write will be based on; SQLite's writer already holds the whole database.
    /// </summary>
    public Task LockAsync<T>(object id, CancellationToken cancellationToken = default) where T : class =>
        _gate.LockAsync<T>(Db, id, cancellationToken);

    /// <summary>
    /// Starts a part of the unit that a savepoint may undo on its own (one message of a batch): what it changes goes out
    /// with the commit unless <see cref="DiscardPart"/> forgets it.
    /// </summary>
    public void BeginPart() => _parts.Add(new UnitChanges());

    /// <summary>The current part was rolled back to its savepoint: its events and wake-ups are forgotten.</summary>
    public void DiscardPart() => _parts[^1] = new UnitChanges();

    /// <summary>Saves the tracked changes (the transaction stays open), remembering which messages and conversations changed.</summary>
    public async Task SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        Current.Track(Db.ChangeTracker);
        await Db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Saves what is still tracked, commits, ends the unit, then publishes its events and wakes the workers.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_turn is null, this);
        await SaveChangesAsync(cancellationToken);
        // The rollups change in the same transaction as the events they count: a report never counts what was rolled back.
        await Reports.ReportRollups.ApplyAsync(this, _parts.SelectMany(p => p.ConversationIds()), cancellationToken);
        await _transaction.CommitAsync(cancellationToken);
        // The writer's turn ends before anyone hears of it: subscribers run on this thread.
        await DisposeAsync();
        _owner.Publish(_parts);
    }

    /// <summary>Ends the unit: rolls back unless committed (nothing is published), returns the context, releases the turn.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_turn is not { } turn)
        {
            return;
        }

        _turn = null;
        try
        {
            // Not committed: disposing the transaction rolls it back, and nothing is published.
            await _transaction.DisposeAsync();
        }
        finally
        {
            try
            {
                await Db.DisposeAsync();
            }
            finally
            {
                turn.Dispose();
            }
        }
    }
}
