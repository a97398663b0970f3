using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Data;

/// <summary>
/// Begins units of work (DESIGN "Real time": events published after each commit, from one place) and, after each commit,
/// publishes what the unit changed to the inbox hub and wakes the workers that wait for it: the outbound dispatcher
/// (<see cref="OutboxSignal"/>), Keep Alive (<see cref="KeepAliveSignal"/>), snooze wake-ups (<see cref="SnoozeSignal"/>) and
/// profile look-ups (<see cref="ProfileLookupSignal"/>).
/// Every writer goes through here, so none publishes by hand.
/// </summary>
public sealed class UnitOfWorkFactory(
    IDbContextFactory<TalkToMeDbContext> contexts,
    WriteGate gate,
    InboxEventHub events,
    OutboxSignal outbox,
    KeepAliveSignal keepAlive,
    SnoozeSignal snooze,
    ProfileLookupSignal profileLookups,
    Media.MediaSignal media)
{
    /// <summary>Takes the writer's turn, then a context and its transaction (on SQLite BEGIN IMMEDIATE: the database is this writer's).</summary>
    public async Task<UnitOfWork> BeginAsync(CancellationToken cancellationToken = default)
    {
        var turn = await gate.EnterAsync(cancellationToken);
        TalkToMeDbContext? db = null;
        try
        {
            db = await contexts.CreateDbContextAsync(cancellationToken);
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            return new UnitOfWork(this, gate, turn, db, transaction);
        }
        catch
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }

            turn.Dispose();
            throw;
        }
    }

    /// <summary>One unit around <paramref name="work"/>: committed (then published) when it returns, rolled back when it throws.</summary>
    public async Task<T> InTransactionAsync<T>(Func<UnitOfWork, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var unit = await BeginAsync(cancellationToken);
        var result = await work(unit);
        await unit.CommitAsync(cancellationToken);
        return result;
    }

    /// <inheritdoc cref="InTransactionAsync{T}"/>
    public Task InTransactionAsync(Func<UnitOfWork, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async unit =>
        {
            await work(unit);
            return true;
        }, cancellationToken);

    internal void Publish(IReadOnlyList<UnitChanges> parts)
    {
        foreach (var part in parts)
        {
            foreach (var inboxEvent in part.ToEvents())
            {
                events.Publish(inboxEvent);
            }
        }

        if (parts.Any(p => p.HasPendingMessages))
        {
            outbox.Notify();
        }

        if (parts.Any(p => p.KeepAlive))
        {
            keepAlive.NotifyDueTimesChanged();
        }

        foreach (var channelId in parts.SelectMany(p => p.KeepAliveChannels))
        {
            keepAlive.NotifyChannelChanged(channelId);
        }

        if (parts.Any(p => p.Snooze))
        {
            snooze.Notify();
        }

        if (parts.Any(p => p.ProfileLookups))
        {
            profileLookups.Notify();
        }

        if (parts.Any(p => p.Media))
        {
            media.Notify();
        }
    }
}
