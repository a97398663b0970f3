using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.KeepAlive;

/// <summary>What one pass did, and when the next deadline is (null: nothing scheduled).</summary>
public sealed record KeepAlivePassResult(int Sent, int Recomputed, DateTime? NextDueAt, bool MoreDue);

/// <summary>
/// One Keep Alive pass: recompute deadlines of channels whose settings changed, then handle the conversations whose
/// deadline has passed, oldest first, read through the partial index on KeepAliveDueAt. Each deadline is claimed with a
/// conditional UPDATE on (Id, stage, due time) inside the transaction that stores its messages, so two passes or two
/// app instances can never send twice for the same deadline: the loser's UPDATE matches no row.
/// </summary>
public sealed class KeepAliveEngine(
    IDbContextFactory<TalkToMeDbContext> factory,
    IConversationFlows flows,
    InboxEventHub events,
    OutboxSignal outbox,
    KeepAliveSignal signal,
    TimeProvider time,
    ILogger<KeepAliveEngine> logger)
{
    public const string InactivitySentActivity = "Keep Alive: mensagem de inatividade enviada";
    public const string ClosedActivity = "Keep Alive: conversa encerrada";

    /// <summary>Deadlines handled per transaction: big enough to amortise the commit, small enough to keep the write lock short.</summary>
    public int BatchSize { get; init; } = 250;

    /// <summary>Batches per pass before the loop takes a breath (and reports <see cref="KeepAlivePassResult.MoreDue"/>).</summary>
    public int MaxBatchesPerPass { get; init; } = 20;

    public async Task<KeepAlivePassResult> RunPassAsync(CancellationToken cancellationToken = default)
    {
        var recomputed = 0;
        foreach (var channelId in signal.TakeChangedChannels())
        {
            recomputed += await RecomputeChannelAsync(channelId, cancellationToken);
        }

        var sent = 0;
        var more = false;
        for (var batch = 0; batch < MaxBatchesPerPass; batch++)
        {
            var (handled, full) = await RunBatchAsync(cancellationToken);
            sent += handled;
            more = full;
            if (!full)
            {
                break;
            }
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var next = await db.Conversations.Where(c => c.KeepAliveDueAt != null).MinAsync(c => c.KeepAliveDueAt, cancellationToken);
        return new KeepAlivePassResult(sent, recomputed, next, more);
    }

    /// <summary>
    /// A channel's Keep Alive was saved or a switch changed: every open conversation gets its deadline from the new
    /// settings at once (or loses it when Keep Alive no longer applies). Nothing is sent here.
    /// </summary>
    public async Task<int> RecomputeChannelAsync(int channelId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken);
        using var gate = await SqliteWriteGate.EnterAsync(cancellationToken);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        int changed;
        if (channel is null || !ChannelApplies(channel))
        {
            changed = await db.Conversations
                .Where(c => c.ChannelId == channelId && c.KeepAliveDueAt != null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.KeepAliveStage, KeepAliveStage.None)
                    .SetProperty(c => c.KeepAliveDueAt, (DateTime?)null), cancellationToken);
        }
        else
        {
            // Waiting for inactivity: counted from the customer's last message (one set-based UPDATE; ticks are the storage).
            var inactivity = channel.KeepAlive.InactivityTimeout.Ticks;
            changed = await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE "Conversations"
                SET "KeepAliveStage" = {(int)KeepAliveStage.AwaitingInactivity},
                    "KeepAliveDueAt" = "LastCustomerMessageAt" + {inactivity}
                WHERE "ChannelId" = {channelId}
                  AND "Status" IN ({(int)ConversationStatus.Open}, {(int)ConversationStatus.Pending})
                  AND "LastCustomerMessageAt" IS NOT NULL
                  AND "KeepAliveStage" <> {(int)KeepAliveStage.AwaitingFinalization}
                """, cancellationToken);

            // Waiting for finalization: counted from the inactivity message that already went out.
            var finalization = channel.KeepAlive.FinalizationTimeout.Ticks;
            changed += await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE "Conversations"
                SET "KeepAliveDueAt" = (
                        SELECT MAX(m."CreatedAt") FROM "Messages" m
                        WHERE m."ConversationId" = "Conversations"."Id" AND m."Kind" = {(int)MessageKind.Activity}
                          AND m."Content" = {InactivitySentActivity}) + {finalization}
                WHERE "ChannelId" = {channelId}
                  AND "Status" IN ({(int)ConversationStatus.Open}, {(int)ConversationStatus.Pending})
                  AND "KeepAliveStage" = {(int)KeepAliveStage.AwaitingFinalization}
                  AND EXISTS (SELECT 1 FROM "Messages" m
                        WHERE m."ConversationId" = "Conversations"."Id" AND m."Kind" = {(int)MessageKind.Activity}
                          AND m."Content" = {InactivitySentActivity})
                """, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        if (changed > 0)
        {
            logger.LogInformation("Keep Alive: recomputed {Count} deadlines of channel {ChannelId}", changed, channelId);
        }

        return changed;
    }

    private async Task<(int Handled, bool Full)> RunBatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var due = await db.Conversations.AsNoTracking()
            .Where(c => c.KeepAliveDueAt != null && c.KeepAliveDueAt <= now)
            .OrderBy(c => c.KeepAliveDueAt).ThenBy(c => c.Id)
            .Select(c => new Due(c.Id, c.ChannelId, c.KeepAliveStage, c.KeepAliveDueAt!.Value))
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return (0, false);
        }

        var handled = 0;
        try
        {
            handled = await HandleAsync(db, due, now, cancellationToken);
        }
        catch (Exception ex) when (ex is DbUpdateException or SqliteException or InvalidOperationException)
        {
            // One bad conversation must not hold back every other deadline: retry one by one, postponing the one that fails.
            logger.LogWarning(ex, "Keep Alive: a batch of {Count} failed; retrying one by one", due.Count);
            handled = 0;
            foreach (var item in due)
            {
                await using var single = await factory.CreateDbContextAsync(cancellationToken);
                try
                {
                    handled += await HandleAsync(single, [item], now, cancellationToken);
                }
                catch (Exception one) when (one is DbUpdateException or SqliteException or InvalidOperationException)
                {
                    logger.LogError(one, "Keep Alive: conversation {ConversationId} failed; postponed by a minute", item.ConversationId);
                    await using var postpone = await factory.CreateDbContextAsync(cancellationToken);
                    await postpone.Conversations
                        .Where(c => c.Id == item.ConversationId && c.KeepAliveDueAt == item.DueAt && c.KeepAliveStage == item.Stage)
                        .ExecuteUpdateAsync(s => s.SetProperty(c => c.KeepAliveDueAt, now.AddMinutes(1)), cancellationToken);
                }
            }
        }

        return (handled, due.Count == BatchSize);
    }

    private async Task<int> HandleAsync(TalkToMeDbContext db, IReadOnlyList<Due> due, DateTime now, CancellationToken cancellationToken)
    {
        var channels = await db.Channels.AsNoTracking()
            .Where(c => due.Select(d => d.ChannelId).Distinct().Contains(c.Id))
            .ToDictionaryAsync(c => c.Id, cancellationToken);

        var changed = new List<Conversation>();
        List<Message> added;
        using (await SqliteWriteGate.EnterAsync(cancellationToken))
        {
            // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): another instance waits here, then its claims match nothing.
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var item in due)
            {
                if (await ClaimAndApplyAsync(db, item, channels.GetValueOrDefault(item.ChannelId), now, cancellationToken) is { } conversation)
                {
                    changed.Add(conversation);
                }
            }

            added = db.ChangeTracker.Entries<Message>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
            await db.SaveChangesAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        if (BotMessages.HasPendingOutgoing(added))
        {
            outbox.Notify();
        }

        foreach (var conversation in changed)
        {
            events.Publish(new ConversationChanged(conversation.Id, conversation.ChannelId, conversation.Status, conversation.AssigneeId));
        }

        foreach (var message in added)
        {
            events.Publish(new MessageAdded(message.ConversationId, message.ChannelId, message.Id));
        }

        return changed.Count;
    }

    private async Task<Conversation?> ClaimAndApplyAsync(TalkToMeDbContext db, Due item, Channel? channel, DateTime now,
        CancellationToken cancellationToken)
    {
        var applies = channel is not null && ChannelApplies(channel);
        var (nextStage, nextDue) = !applies || item.Stage != KeepAliveStage.AwaitingInactivity
            ? (KeepAliveStage.None, (DateTime?)null)
            : (KeepAliveStage.AwaitingFinalization, now + channel!.KeepAlive.FinalizationTimeout);

        var claimed = await db.Conversations
            .Where(c => c.Id == item.ConversationId && c.KeepAliveDueAt == item.DueAt && c.KeepAliveStage == item.Stage)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.KeepAliveStage, nextStage)
                .SetProperty(c => c.KeepAliveDueAt, nextDue), cancellationToken);
        if (claimed != 1 || !applies)
        {
            return null;
        }

        var conversation = await db.Conversations.Include(c => c.Channel).Include(c => c.Contact)
            .SingleAsync(c => c.Id == item.ConversationId, cancellationToken);
        if (conversation.Status is not (ConversationStatus.Open or ConversationStatus.Pending))
        {
            conversation.ClearKeepAlive();
            return null;
        }

        if (item.Stage == KeepAliveStage.AwaitingInactivity)
        {
            SendIfAny(db, conversation, channel!.KeepAlive.InactivityMessage, now);
            BotMessages.Activity(db, conversation, InactivitySentActivity, now);
        }
        else
        {
            SendIfAny(db, conversation, channel!.KeepAlive.FinalizationMessage, now);
            BotMessages.Activity(db, conversation, ClosedActivity, now);
            conversation.Resolve(now);
            await flows.OnConversationResolvedAsync(db, conversation, cancellationToken);
        }

        return conversation;
    }

    private static void SendIfAny(TalkToMeDbContext db, Conversation conversation, string? text, DateTime now)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            BotMessages.Send(db, conversation, conversation.Channel, text.Trim(), SenderType.System, BotMessages.KeepAliveName, now);
        }
    }

    private static bool ChannelApplies(Channel channel) =>
        channel.CanReceive && channel.KeepAlive.IsEnabled && channel.KeepAlive.InactivityAmount > 0 && channel.KeepAlive.FinalizationAmount > 0;

    private sealed record Due(int ConversationId, int ChannelId, KeepAliveStage Stage, DateTime DueAt);
}
