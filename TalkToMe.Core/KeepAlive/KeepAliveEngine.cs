using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
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
    UnitOfWorkFactory units,
    IConversationFlows flows,
    KeepAliveSignal signal,
    TimeProvider time,
    ILogger<KeepAliveEngine> logger)
{
    /// <summary>The pt-BR Content of Keep Alive's activity lines (the data is <see cref="ActivityText.KeepAliveInactivitySent"/> and <see cref="ActivityText.KeepAliveClosed"/>).</summary>
    public const string InactivitySentActivity = "Keep Alive: mensagem de inatividade enviada";
    public const string ClosedActivity = "Keep Alive: conversa encerrada";

    // The finalization deadline counts from the inactivity line; found by its kind, never by its (translatable) text.
    private const string InactivitySentKind = nameof(ActivityKind.KeepAliveInactivitySent);

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
        DateTime? next = null;
        // Rows a batch read but could not claim: another writer holds them (PostgreSQL skips locked rows) or moved them
        // on. The rest of the pass reads past them instead of reading the same rows again.
        var unclaimed = new HashSet<int>();
        for (var batch = 0; batch < MaxBatchesPerPass; batch++)
        {
            var result = await RunBatchAsync(unclaimed, cancellationToken);
            sent += result.Handled;
            next = result.NextDueAt;
            more = result.Full;
            if (!result.Full)
            {
                break;
            }
        }

        // MoreDue only when the pass stopped with work left (the loop runs again at once).

        return new KeepAlivePassResult(sent, recomputed, next, more);
    }

    /// <summary>
    /// Compiles the batch's EF query before any deadline needs it: the first batch after a start would otherwise pay
    /// for it (over a second on the loaded 2-core VM, which is the whole budget of a 1,000-conversation burst).
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await ChannelsAsync(db, [], cancellationToken);
    }

    /// <summary>
    /// A channel's Keep Alive was saved or a switch changed: every open conversation gets its deadline from the new
    /// settings at once (or loses it when Keep Alive no longer applies). Nothing is sent here.
    /// </summary>
    public async Task<int> RecomputeChannelAsync(int channelId, CancellationToken cancellationToken = default)
    {
        Channel? channel;
        await using (var read = await factory.CreateDbContextAsync(cancellationToken))
        {
            channel = await read.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken);
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
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
            changed += db.Database.IsNpgsql()
                ? await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE "Conversations"
                SET "KeepAliveDueAt" = (
                        SELECT MAX(m."CreatedAt") FROM "Messages" m
                        WHERE m."ConversationId" = "Conversations"."Id" AND m."Kind" = {(int)MessageKind.Activity}
                          AND m."ActivityData"::jsonb ->> 'kind' = {InactivitySentKind}) + {finalization}
                WHERE "ChannelId" = {channelId}
                  AND "Status" IN ({(int)ConversationStatus.Open}, {(int)ConversationStatus.Pending})
                  AND "KeepAliveStage" = {(int)KeepAliveStage.AwaitingFinalization}
                  AND EXISTS (SELECT 1 FROM "Messages" m
                        WHERE m."ConversationId" = "Conversations"."Id" AND m."Kind" = {(int)MessageKind.Activity}
                          AND m."ActivityData"::jsonb ->> 'kind' = {InactivitySentKind})
                """, cancellationToken)
                : await db.Database.ExecuteSqlInterpolatedAsync($"""
                UPDATE "Conversations"
                SET "KeepAliveDueAt" = (
                        SELECT MAX(m."CreatedAt") FROM "Messages" m
                        WHERE m."ConversationId" = "Conversations"."Id" AND m."Kind" = {(int)MessageKind.Activity}
                          AND json_extract(m."ActivityData", '$.kind') = {InactivitySentKind}) + {finalization}
                WHERE "ChannelId" = {channelId}
                  AND "Status" IN ({(int)ConversationStatus.Open}, {(int)ConversationStatus.Pending})
                  AND "KeepAliveStage" = {(int)KeepAliveStage.AwaitingFinalization}
                  AND EXISTS (SELECT 1 FROM "Messages" m
                        WHERE m."ConversationId" = "Conversations"."Id" AND m."Kind" = {(int)MessageKind.Activity}
                          AND json_extract(m."ActivityData", '$.kind') = {InactivitySentKind})
                """, cancellationToken);

            if (KeepAliveSchedule.CountsBusinessTime(channel))
            {
                await ToBusinessTimeAsync(unit, channel, cancellationToken);
            }
        }

        await unit.CommitAsync(cancellationToken);
        if (changed > 0)
        {
            logger.LogInformation("Keep Alive: recomputed {Count} deadlines of channel {ChannelId}", changed, channelId);
        }

        return changed;
    }

    /// <summary>
    /// The statements above count wall-clock time; a channel counting only business hours moves each deadline to where its
    /// timeout ends in business time. Each deadline minus its timeout is the instant it counts from (the customer's last
    /// message, or the inactivity message), so one read and one update per conversation do it (an admin's save, not a hot path).
    /// </summary>
    private static async Task ToBusinessTimeAsync(UnitOfWork unit, Channel channel, CancellationToken cancellationToken)
    {
        var db = unit.Db;
        var rows = await db.Conversations.Where(c => c.ChannelId == channel.Id && c.KeepAliveDueAt != null)
            .Select(c => new { c.Id, c.KeepAliveStage, c.KeepAliveDueAt }).ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            var finalization = row.KeepAliveStage == KeepAliveStage.AwaitingFinalization;
            var from = row.KeepAliveDueAt!.Value - (finalization ? channel.KeepAlive.FinalizationTimeout : channel.KeepAlive.InactivityTimeout);
            var due = finalization ? KeepAliveSchedule.FinalizationDue(channel, from) : KeepAliveSchedule.InactivityDue(channel, from);
            await db.Conversations.Where(c => c.Id == row.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.KeepAliveDueAt, due), cancellationToken);
        }
    }

    private async Task<BatchResult> RunBatchAsync(HashSet<int> unclaimed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var (due, next) = await ReadDueAsync(db, now, unclaimed, cancellationToken);
        if (due.Count == 0)
        {
            return new BatchResult(0, false, next);
        }

        var handled = 0;
        try
        {
            handled = await HandleAsync(db, due, now, unclaimed, cancellationToken);
        }
        catch (Exception ex) when (ex is DbUpdateException or DbException or InvalidOperationException)
        {
            // One bad conversation must not hold back every other deadline: retry one by one, postponing the one that fails.
            logger.LogWarning(ex, "Keep Alive: a batch of {Count} failed; retrying one by one", due.Count);
            handled = 0;
            foreach (var item in due)
            {
                await using var single = await factory.CreateDbContextAsync(cancellationToken);
                try
                {
                    handled += await HandleAsync(single, [item], now, unclaimed, cancellationToken);
                }
                catch (Exception one) when (one is DbUpdateException or DbException or InvalidOperationException)
                {
                    logger.LogError(one, "Keep Alive: conversation {ConversationId} failed; postponed by a minute", item.ConversationId);
                    await units.InTransactionAsync(unit => unit.Db.Conversations
                        .Where(c => c.Id == item.ConversationId && c.KeepAliveDueAt == item.DueAt && c.KeepAliveStage == item.Stage)
                        .ExecuteUpdateAsync(s => s.SetProperty(c => c.KeepAliveDueAt, now.AddMinutes(1)), cancellationToken), cancellationToken);
                }
            }
        }

        // Handling scheduled new deadlines (finalization) that may come before the one read above: look again.
        return new BatchResult(handled, true, now);
    }

    /// <summary>
    /// One walk of the partial index in deadline order: the rows already due (up to a batch), and the first deadline
    /// after now, which is where the walk stops. A pass with nothing due reads a single index entry.
    /// </summary>
    private async Task<(List<Due> Due, DateTime? Next)> ReadDueAsync(TalkToMeDbContext db, DateTime now, HashSet<int> unclaimed,
        CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // SQLite is told the partial index (its planner may otherwise scan); PostgreSQL's planner picks it by itself.
        var hint = db.Database.IsSqlite() ? """INDEXED BY "IX_Conversations_KeepAliveDue" """ : "";
        command.CommandText = $"""
            SELECT "Id", "ChannelId", "KeepAliveStage", "KeepAliveDueAt" FROM "Conversations" {hint}
            WHERE "KeepAliveDueAt" IS NOT NULL ORDER BY "KeepAliveDueAt" LIMIT {Placeholder(db, "limit")}
            """;
        AddParameter(db, command, "limit", BatchSize + 1 + unclaimed.Count);
        var due = new List<Due>();
        DateTime? next = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (unclaimed.Contains(reader.GetInt32(0)))
            {
                continue;
            }

            var dueAt = new DateTime(reader.GetInt64(3), DateTimeKind.Utc);
            if (dueAt > now || due.Count == BatchSize)
            {
                next = dueAt;
                break;
            }

            due.Add(new Due(reader.GetInt32(0), reader.GetInt32(1), (KeepAliveStage)reader.GetInt32(2), dueAt));
        }

        return (due, next);
    }

    /// <summary>
    /// One unit of work for a batch: claim every deadline, then write messages, activity lines and conversation changes
    /// with prepared statements (<see cref="KeepAliveRows"/>: the burst path). Only a finalization on a channel with an
    /// exit flow goes through EF, since the flow engine runs there. The unit publishes the events and wakes the dispatcher
    /// after the commit. <paramref name="read"/> is the pass's context, for what is read before the writer's turn.
    /// </summary>
    private async Task<int> HandleAsync(TalkToMeDbContext read, IReadOnlyList<Due> due, DateTime now, HashSet<int> unclaimed,
        CancellationToken cancellationToken)
    {
        var channels = await ChannelsAsync(read, due.Select(d => d.ChannelId).Distinct().ToList(), cancellationToken);

        var changed = new List<ConversationChanged>();
        var added = new List<MessageAdded>();
        var pending = false;
        var finalized = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan claimedAfter, writtenAfter;
        // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): another instance waits here, then its claims match nothing.
        await using (var unit = await units.BeginAsync(cancellationToken))
        {
            var db = unit.Db;
            var claimed = new List<Claimed>();
            foreach (var group in due.GroupBy(d => (d.ChannelId, d.Stage)))
            {
                var channel = channels.GetValueOrDefault(group.Key.ChannelId);
                var applies = channel is not null && ChannelApplies(channel);
                var (nextStage, nextDue) = !applies || group.Key.Stage != KeepAliveStage.AwaitingInactivity
                    ? (KeepAliveStage.None, (DateTime?)null)
                    : (KeepAliveStage.AwaitingFinalization, KeepAliveSchedule.FinalizationDue(channel!, now));
                var items = group.ToDictionary(d => d.ConversationId);
                var won = await ClaimAsync(db, group.ToList(), nextStage, nextDue, cancellationToken);
                unclaimed.UnionWith(items.Keys.Except(won.Select(r => r.Id)));
                foreach (var row in won)
                {
                    if (applies)
                    {
                        claimed.Add(new Claimed(items[row.Id], channel!, row.Status, row.AssigneeId));
                    }
                }
            }

            claimedAfter = watch.Elapsed;
            var rows = new KeepAliveRows(unit.Connection, unit.Transaction);
            var inserted = new List<Message>();
            // Each inserted row's conversation status after this pass, for its MessageAdded (hub clients show it).
            var statuses = new List<ConversationStatus>();
            foreach (var item in claimed.Where(c => !c.IsOpen))
            {
                // A snoozed or resolved conversation has no Keep Alive (normally cleared already; this is the safety net).
                rows.ClearKeepAliveOf(item.Due.ConversationId);
            }

            // Inactivity, and finalization on channels without an exit flow: a few rows each, written directly.
            foreach (var item in claimed.Where(c => c.IsOpen && !c.RunsExitFlow).OrderBy(c => c.Due.DueAt).ThenBy(c => c.Due.ConversationId))
            {
                var (conversationId, channel) = (item.Due.ConversationId, item.Channel);
                var inactivity = item.Due.Stage == KeepAliveStage.AwaitingInactivity;
                var text = (inactivity ? channel.KeepAlive.InactivityMessage : channel.KeepAlive.FinalizationMessage)?.Trim();
                var after = inactivity ? item.Status : ConversationStatus.Resolved;
                if (!string.IsNullOrEmpty(text))
                {
                    var message = Message.Outgoing(conversationId, channel.Id, text, SenderType.System, null, BotMessages.KeepAliveName, now);
                    BotMessages.DeliverIfTestChat(message, channel, now);
                    pending |= message.DeliveryStatus == DeliveryStatus.Pending;
                    rows.Insert(message);
                    inserted.Add(message);
                    statuses.Add(after);
                    rows.RecordOutgoingMessage(conversationId, text, now);
                }

                var activity = Message.Activity(conversationId, channel.Id, inactivity ? ActivityText.KeepAliveInactivitySent : ActivityText.KeepAliveClosed, now);
                rows.Insert(activity);
                inserted.Add(activity);
                statuses.Add(after);
                if (!inactivity)
                {
                    rows.ResolveConversation(conversationId, now);
                }

                changed.Add(new ConversationChanged(conversationId, channel.Id, after, item.AssigneeId));
            }

            var insertedIds = await rows.FlushAsync(cancellationToken);
            added.AddRange(inserted.Select((m, i) => MessageAdded.Of(m, insertedIds[i], statuses[i])));

            writtenAfter = watch.Elapsed;
            // Finalization on a channel with an exit flow: resolve and run the flow through EF, as an agent's resolve does.
            var finalizing = claimed.Where(c => c.IsOpen && c.RunsExitFlow).ToDictionary(c => c.Due.ConversationId);
            if (finalizing.Count > 0)
            {
                var ids = finalizing.Keys.ToList();
                var conversations = await db.Conversations.Where(c => ids.Contains(c.Id)).ToListAsync(cancellationToken);
                foreach (var conversation in conversations.OrderBy(c => finalizing[c.Id].Due.DueAt).ThenBy(c => c.Id))
                {
                    await FinalizeAsync(db, conversation, finalizing[conversation.Id].Channel, now, cancellationToken);
                    finalized++;
                }

                // Saved through the unit, which publishes what EF wrote and wakes the dispatcher for the flow's messages.
                await unit.SaveChangesAsync(cancellationToken);
            }

            unit.Publish(changed);
            unit.Publish(added);
            if (pending)
            {
                unit.WakeOutbox();
            }

            await unit.CommitAsync(cancellationToken);
        }

        logger.LogDebug("Keep Alive batch of {Count}: claimed {Claim} ms, rows written {Write} ms, committed {Commit} ms", due.Count,
            claimedAfter.TotalMilliseconds, writtenAfter.TotalMilliseconds, watch.Elapsed.TotalMilliseconds);

        return changed.Count + finalized;
    }

    private static Task<Dictionary<int, Channel>> ChannelsAsync(TalkToMeDbContext db, List<int> ids, CancellationToken cancellationToken) =>
        db.Channels.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, cancellationToken);

    /// <summary>
    /// The claim: one conditional UPDATE that matches a row only while it still has the deadline and stage we read, and
    /// returns the rows it changed. A row another pass or instance already moved on is simply not returned.
    /// On PostgreSQL, where writers do not queue in memory, rows another transaction holds are skipped rather than waited
    /// for: that is an inbound batch about to move the deadline (or another node's claim), and waiting for it while holding
    /// this batch's other rows is how two writers deadlock. A skipped row that is still due is read again by the next pass.
    /// </summary>
    private static async Task<List<(int Id, ConversationStatus Status, string? AssigneeId)>> ClaimAsync(TalkToMeDbContext db, List<Due> items,
        KeepAliveStage nextStage, DateTime? nextDue, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        var rows = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            rows.Add($"({Placeholder(db, $"i{i}")}, {Placeholder(db, $"d{i}")}, {Placeholder(db, $"s{i}")})");
            AddParameter(db, command, $"i{i}", items[i].ConversationId);
            AddParameter(db, command, $"d{i}", items[i].DueAt.Ticks);
            AddParameter(db, command, $"s{i}", (int)items[i].Stage);
        }

        AddParameter(db, command, "nextStage", (int)nextStage);
        AddParameter(db, command, "nextDue", nextDue is { } d ? d.Ticks : null);
        var matching = $"""("Id", "KeepAliveDueAt", "KeepAliveStage") IN (VALUES {string.Join(", ", rows)})""";
        command.CommandText = $"""
            UPDATE "Conversations" SET "KeepAliveStage" = {Placeholder(db, "nextStage")}, "KeepAliveDueAt" = {Placeholder(db, "nextDue")}
            WHERE {(db.Database.IsNpgsql() ? $"""
                "Id" IN (SELECT "Id" FROM "Conversations" WHERE {matching} FOR UPDATE SKIP LOCKED)
                """ : matching)}
            RETURNING "Id", "Status", "AssigneeId"
            """;
        var claimed = new List<(int, ConversationStatus, string?)>(items.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add((reader.GetInt32(0), (ConversationStatus)reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return claimed;
    }

    private static string Placeholder(TalkToMeDbContext db, string name) => (db.Database.IsNpgsql() ? "@" : "$") + name;

    private static void AddParameter(TalkToMeDbContext db, DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = Placeholder(db, name);
        parameter.Value = value ?? DBNull.Value;
        if (value is null && parameter is Npgsql.NpgsqlParameter typed)
        {
            typed.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        }

        command.Parameters.Add(parameter);
    }

    /// <summary>The finalization message, the activity line, resolve, and the channel's exit flow: EF, as resolving by an agent does.</summary>
    private async Task FinalizeAsync(TalkToMeDbContext db, Conversation conversation, Channel channel, DateTime now,
        CancellationToken cancellationToken)
    {
        if (channel.KeepAlive.FinalizationMessage?.Trim() is { Length: > 0 } text)
        {
            BotMessages.Send(db, conversation, channel, text, SenderType.System, BotMessages.KeepAliveName, now);
        }

        BotMessages.Activity(db, conversation, ActivityText.KeepAliveClosed, now);
        conversation.Resolve(now);
        await flows.OnConversationResolvedAsync(db, conversation, cancellationToken);
    }

    private static bool ChannelApplies(Channel channel) =>
        channel.CanReceive && channel.KeepAlive.IsEnabled && channel.KeepAlive.InactivityAmount > 0 && channel.KeepAlive.FinalizationAmount > 0;

    private sealed record Due(int ConversationId, int ChannelId, KeepAliveStage Stage, DateTime DueAt);

    private sealed record Claimed(Due Due, Channel Channel, ConversationStatus Status, string? AssigneeId)
    {
        public bool IsOpen => Status is ConversationStatus.Open or ConversationStatus.Pending;

        public bool RunsExitFlow => Due.Stage == KeepAliveStage.AwaitingFinalization && Channel.ExitFlowId is not null;
    }

    /// <summary>Full: the batch found work, so the pass reads again; NextDueAt is only meaningful when it found none.</summary>
    private sealed record BatchResult(int Handled, bool Full, DateTime? NextDueAt);
}
