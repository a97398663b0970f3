using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Hours;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Reports;

/// <summary>
/// Keeps the per-day rollups (<see cref="ReportCount"/>) up to date: every unit of work, just before it commits, walks the
/// messages its conversations gained since their last count (<see cref="ConversationReportState.LastMessageId"/>) through
/// <see cref="ReportTimeline"/> and adds the result to the day cells of every grain (<see cref="ReportGrain"/>), in the same transaction. Raw SQL writers are
/// covered too: they publish an event naming each conversation they change. <see cref="RebuildAsync"/> recounts
/// everything from the messages.
/// </summary>
public static class ReportRollups
{
    private const int RebuildBatch = 2000;

    // Rows per upsert statement: a commit usually changes a few cells; 8 parameters a row stays far below both engines' limits.
    private const int UpsertRows = 200;

    internal static async Task ApplyAsync(UnitOfWork unit, IEnumerable<int> conversationIds, CancellationToken cancellationToken)
    {
        var ids = conversationIds.Where(id => id > 0).Distinct().Order().ToArray();
        if (ids.Length == 0)
        {
            return;
        }

        var db = unit.Db;
        if (db.Database.IsNpgsql())
        {
            // Two units counting the same conversation take turns, in id order so they cannot deadlock on each other.
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""SELECT 1 FROM "ConversationReportStates" WHERE "ConversationId" = ANY({ids}) ORDER BY "ConversationId" FOR UPDATE""",
                cancellationToken);
        }

        // Not tracked: the states that change are written back by a multi-row statement (WriteStatesAsync), not one each.
        var states = await db.Set<ConversationReportState>().AsNoTracking().Where(s => ids.Contains(s.ConversationId))
            .ToDictionaryAsync(s => s.ConversationId, cancellationToken);
        var deltas = new List<ReportTimeline.Delta>();
        var changed = new HashSet<int>();
        var added = new HashSet<int>();
        var missing = ids.Where(id => !states.ContainsKey(id)).ToArray();
        if (missing.Length > 0)
        {
            var created = await db.Conversations.AsNoTracking().Where(c => missing.Contains(c.Id))
                .Select(c => new { c.Id, c.ChannelId, c.CreatedAt }).ToListAsync(cancellationToken);
            foreach (var conversation in created)
            {
                var state = new ConversationReportState(conversation.Id, conversation.ChannelId, conversation.CreatedAt);
                states[conversation.Id] = state;
                added.Add(conversation.Id);
                ReportTimeline.Start(state, conversation.CreatedAt, deltas);
            }
        }

        // Only what was not counted yet: a conversation's new messages, read by its (ConversationId, Id) index.
        var states2 = db.Set<ConversationReportState>();
        var messages = await db.Messages.AsNoTracking()
            .Where(m => ids.Contains(m.ConversationId)
                && !states2.Any(s => s.ConversationId == m.ConversationId && s.LastMessageId >= m.Id))
            .OrderBy(m => m.Id)
            .Select(m => new { m.ConversationId, Message = new ReportMessage(m.Id, m.Direction, m.Kind, m.SenderType, m.SenderId, m.CreatedAt, m.ActivityData) })
            .ToListAsync(cancellationToken);
        // Only an agent's, the bot's or the system's message ends a duration: the channels' business hours are read only then.
        var business = messages.Any(m => m.Message.Direction != MessageDirection.Incoming)
            ? await BusinessClockAsync(db, states.Values.Select(s => s.ChannelId), cancellationToken)
            : null;
        foreach (var row in messages)
        {
            if (states.TryGetValue(row.ConversationId, out var state) && row.Message.Id > state.LastMessageId)
            {
                ReportTimeline.Apply(state, row.Message, deltas, business);
                changed.Add(row.ConversationId);
            }
        }

        // New states are inserted (two units starting one conversation's count fail as they did through EF, instead of counting
        // it twice); the others exist, locked on PostgreSQL, and are updated through the upsert's conflict.
        await WriteStatesAsync(unit, added.Order().Select(id => states[id]), update: false, cancellationToken);
        await WriteStatesAsync(unit, changed.Except(added).Order().Select(id => states[id]), update: true, cancellationToken);
        await AddAsync(unit, deltas, cancellationToken);
        await AddEventsAsync(unit, deltas.Where(d => ReportEvent.Keeps(d) && states[d.ConversationId].EventsKept), cancellationToken);
    }

    /// <summary>Keeps each delta with its conversation (<see cref="ReportEvent"/>).</summary>
    private static Task AddEventsAsync(UnitOfWork unit, IEnumerable<ReportTimeline.Delta> deltas, CancellationToken cancellationToken) =>
        InsertRowsAsync(unit, """
            INSERT INTO "ReportEvents" ("ConversationId", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Sum") VALUES
            """, deltas, d => [d.ConversationId, d.Day, d.ChannelId, d.AgentId, (int)d.Metric, d.Bucket, d.Sum], "", cancellationToken);

    /// <summary>
    /// Inserts the rows, one multi-row statement per <see cref="UpsertRows"/> (the same on SQLite and PostgreSQL):
    /// <paramref name="insert"/> (up to VALUES), each row's <paramref name="values"/> as parameters, then
    /// <paramref name="onConflict"/>.
    /// </summary>
    private static async Task InsertRowsAsync<T>(UnitOfWork unit, string insert, IEnumerable<T> rows, Func<T, object?[]> values,
        string onConflict, CancellationToken cancellationToken)
    {
        foreach (var chunk in rows.Chunk(UpsertRows))
        {
            var sql = new System.Text.StringBuilder(insert);
            var parameters = new List<object?>();
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "\n(" : ",\n(");
                var row = values(chunk[i]);
                for (var column = 0; column < row.Length; column++)
                {
                    sql.Append(column == 0 ? "{" : ", {").Append(parameters.Count).Append('}');
                    parameters.Add(row[column]);
                }

                sql.Append(')');
            }

            sql.Append(onConflict);
            await unit.Db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters!, cancellationToken);
        }
    }

    /// <summary>
    /// Writes the conversations' states, new (<paramref name="update"/> false: a plain insert) or changed (an upsert whose
    /// conflict updates them), by multi-row statements (<see cref="InsertRowsAsync"/>), in conversation id order as they
    /// were locked. A batch of automatic assignments changes 50 states at once: through the change tracker that was 50
    /// single-row updates.
    /// </summary>
    private static Task WriteStatesAsync(UnitOfWork unit, IEnumerable<ConversationReportState> states, bool update,
        CancellationToken cancellationToken)
    {
        // As EF stores them: times as UTC ticks (UtcTicksConverter), booleans as the engine's own.
        return InsertRowsAsync(unit, """
            INSERT INTO "ConversationReportStates" ("ConversationId", "ChannelId", "LastMessageId", "IsResolved", "EpisodeStartedAt",
                "FirstCustomerMessageAt", "AgentResponded", "BotResponded", "LastAgentId", "AgentReplies", "EventsKept") VALUES
            """, states, s => [s.ConversationId, s.ChannelId, s.LastMessageId, s.IsResolved, s.EpisodeStartedAt.Ticks,
                s.FirstCustomerMessageAt?.Ticks, s.AgentResponded, s.BotResponded, s.LastAgentId, s.AgentReplies, s.EventsKept],
            !update ? "" : """

                ON CONFLICT ("ConversationId") DO UPDATE SET "LastMessageId" = excluded."LastMessageId",
                    "IsResolved" = excluded."IsResolved", "EpisodeStartedAt" = excluded."EpisodeStartedAt",
                    "FirstCustomerMessageAt" = excluded."FirstCustomerMessageAt", "AgentResponded" = excluded."AgentResponded",
                    "BotResponded" = excluded."BotResponded", "LastAgentId" = excluded."LastAgentId",
                    "AgentReplies" = excluded."AgentReplies"
                """, cancellationToken);
    }

    /// <summary>Business time on the given channels, from their "Horário de atendimento" (calendar time where it is off).</summary>
    private static async Task<ReportTimeline.BusinessSeconds> BusinessClockAsync(TalkToMeDbContext db, IEnumerable<int>? channelIds,
        CancellationToken cancellationToken)
    {
        var query = db.Channels.AsNoTracking().Where(c => c.BusinessHoursJson != null);
        if (channelIds is not null)
        {
            var ids = channelIds.Distinct().ToArray();
            query = query.Where(c => ids.Contains(c.Id));
        }

        var hours = (await query.Select(c => new { c.Id, c.BusinessHoursJson }).ToListAsync(cancellationToken))
            .Select(c => (c.Id, Hours: BusinessHours.FromJson(c.BusinessHoursJson)))
            .Where(c => c.Hours is { IsEnabled: true })
            .ToDictionary(c => c.Id, c => c.Hours!);
        return (channelId, from, to) => hours.TryGetValue(channelId, out var channel)
            ? (long)Math.Round(channel.Elapsed(from, to).TotalSeconds)
            : ReportCalendar.Seconds(from, to);
    }

    /// <summary>
    /// Adds the deltas to their cells at every grain (<see cref="ReportCount.CellsOf"/>) by multi-row upserts
    /// (<see cref="InsertRowsAsync"/>). Cells go in key order, so two units on PostgreSQL lock shared cells in the same
    /// order and cannot deadlock on each other.
    /// </summary>
    private static async Task AddAsync(UnitOfWork unit, List<ReportTimeline.Delta> deltas, CancellationToken cancellationToken)
    {
        var cells = new Dictionary<CellKey, (long Count, long Sum)>();
        Accumulate(deltas, cells);

        var ordered = cells.OrderBy(c => c.Key.Grain).ThenBy(c => c.Key.Day).ThenBy(c => c.Key.ChannelId)
            .ThenBy(c => c.Key.AgentId, StringComparer.Ordinal).ThenBy(c => c.Key.Metric).ThenBy(c => c.Key.Bucket);
        await InsertRowsAsync(unit, """
            INSERT INTO "ReportCounts" ("Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Count", "Sum") VALUES
            """, ordered, c => [(int)c.Key.Grain, c.Key.Day, c.Key.ChannelId, c.Key.AgentId, (int)c.Key.Metric, c.Key.Bucket, c.Value.Count, c.Value.Sum],
            """

            ON CONFLICT ("Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket")
            DO UPDATE SET "Count" = "ReportCounts"."Count" + excluded."Count", "Sum" = "ReportCounts"."Sum" + excluded."Sum"
            """, cancellationToken);
    }

    /// <summary>
    /// Recounts every conversation from its messages in one unit (writers wait meanwhile): for a database that had
    /// conversations before reports existed, or to check the rollups. Returns how many conversations were counted.
    /// </summary>
    public static Task<int> RebuildAsync(UnitOfWorkFactory units, CancellationToken cancellationToken = default) =>
        units.InTransactionAsync(async unit =>
        {
            var db = unit.Db;
            await db.Set<ReportCount>().ExecuteDeleteAsync(cancellationToken);
            await db.Set<ConversationReportState>().ExecuteDeleteAsync(cancellationToken);
            await db.Set<ReportEvent>().ExecuteDeleteAsync(cancellationToken);
            var totals = new Dictionary<CellKey, (long Count, long Sum)>();
            var business = await BusinessClockAsync(db, null, cancellationToken);
            var counted = 0;
            await foreach (var (states, deltas) in ReplayAsync(db, db.Conversations, everyConversation: true, business, cancellationToken))
            {
                Accumulate(deltas, totals);
                db.AddRange(states);
                db.AddRange(deltas.Where(ReportEvent.Keeps).Select(d => new ReportEvent(d)));
                await unit.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                counted += states.Count;
            }

            foreach (var chunk in totals.Chunk(RebuildBatch))
            {
                db.AddRange(chunk.Select(t => new ReportCount(t.Key.Grain, t.Key.Day, t.Key.ChannelId, t.Key.AgentId, t.Key.Metric, t.Key.Bucket,
                    t.Value.Count, t.Value.Sum)));
                await unit.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }

            return counted;
        }, cancellationToken);

    /// <summary>
    /// The cells at <paramref name="grains"/>, days <paramref name="from"/> to <paramref name="to"/>, that the rollups would
    /// hold if the conversations carrying the label now were the only ones (on <paramref name="channels"/>, or all): summed
    /// from their kept events (<see cref="ReportEvent"/>), read by conversation from the label's, but for the metrics
    /// <paramref name="skipped"/> (the durations the report does not show). A conversation counted before events were kept
    /// is recounted from its messages by the rollups' own walk, with its channel's current hours.
    /// </summary>
    internal static async Task<List<ReportCount>> LabelledAsync(TalkToMeDbContext db, int labelId, int[]? channels, DateOnly from, DateOnly to,
        IReadOnlySet<ReportGrain> grains, IReadOnlyCollection<ReportMetric> skipped, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<CellKey, (long Count, long Sum)>();
        // Read with a plain data reader: ~100,000 events for a label on 1 in 100 of 1,000,000 conversations, where EF's
        // materializer cost several times the query itself.
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT e."Day", e."ChannelId", e."AgentId", e."Metric", e."Bucket", e."Sum"
                FROM "ConversationLabels" AS l
                JOIN "ConversationReportStates" AS s ON s."ConversationId" = l."ConversationId"
                JOIN "ReportEvents" AS e ON e."ConversationId" = l."ConversationId"
                WHERE l."LabelId" = @label AND s."EventsKept" AND e."Day" >= @from AND e."Day" <= @to
                    AND e."Metric" NOT IN ({string.Join(", ", skipped.Select(m => (int)m).DefaultIfEmpty(-1))})
                """;
            foreach (var (name, value) in new[] { ("@label", labelId), ("@from", from.DayNumber), ("@to", to.DayNumber) })
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }

            var channelSet = channels?.ToHashSet();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var channelId = reader.GetInt32(1);
                if (channelSet is not null && !channelSet.Contains(channelId))
                {
                    continue;
                }

                Accumulate(new ReportTimeline.Delta(0, reader.GetInt32(0), channelId, reader.GetString(2), (ReportMetric)reader.GetInt32(3), reader.GetInt32(4),
                    reader.GetInt64(5)), totals, grains);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        // Their openings, from the conversations themselves (no event keeps them: ReportEvent.Keeps).
        // A day wider on each side than the local days asked for: the report's reads cut the cells to the exact days.
        var fromUtc = from.AddDays(-1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var toUtc = to.AddDays(2).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var labelled = db.Set<Dictionary<string, object>>("ConversationLabels")
            .Where(l => EF.Property<int>(l, "LabelId") == labelId).Select(l => EF.Property<int>(l, "ConversationId"));
        var states = db.Set<ConversationReportState>();
        var opened = await db.Conversations.AsNoTracking()
            .Where(c => labelled.Contains(c.Id) && states.Any(s => s.ConversationId == c.Id && s.EventsKept)
                && c.CreatedAt >= fromUtc && c.CreatedAt < toUtc && (channels == null || channels.Contains(c.ChannelId)))
            .Select(c => new { c.Id, c.ChannelId, c.CreatedAt }).ToListAsync(cancellationToken);
        var openings = new List<ReportTimeline.Delta>(opened.Count);
        foreach (var conversation in opened)
        {
            ReportTimeline.Start(new ConversationReportState(conversation.Id, conversation.ChannelId, conversation.CreatedAt), conversation.CreatedAt, openings);
        }

        foreach (var delta in openings)
        {
            Accumulate(delta, totals, grains);
        }

        var recount = await labelled.Where(id => !states.Any(s => s.ConversationId == id && s.EventsKept)).ToArrayAsync(cancellationToken);
        if (recount.Length > 0)
        {
            var conversations = db.Conversations.Where(c => recount.Contains(c.Id) && c.CreatedAt < toUtc
                && (c.CreatedAt >= fromUtc || db.Messages.Any(m => m.ConversationId == c.Id && m.CreatedAt >= fromUtc)));
            if (channels is not null)
            {
                conversations = conversations.Where(c => channels.Contains(c.ChannelId));
            }

            var business = await BusinessClockAsync(db, channels, cancellationToken);
            await foreach (var (_, deltas) in ReplayAsync(db, conversations, everyConversation: false, business, cancellationToken))
            {
                foreach (var delta in deltas)
                {
                    Accumulate(delta, totals, grains);
                }
            }
        }

        return totals.Select(t => new ReportCount(t.Key.Grain, t.Key.Day, t.Key.ChannelId, t.Key.AgentId, t.Key.Metric, t.Key.Bucket,
            t.Value.Count, t.Value.Sum)).ToList();
    }

    /// <summary>
    /// Walks the conversations, <see cref="RebuildBatch"/> at a time in id order, through <see cref="ReportTimeline"/> from
    /// their creation over all their messages. <paramref name="everyConversation"/> reads a batch's messages by its id range
    /// (every conversation in it is counted); otherwise by its ids, as a filtered set leaves gaps.
    /// </summary>
    private static async IAsyncEnumerable<(List<ConversationReportState> States, List<ReportTimeline.Delta> Deltas)> ReplayAsync(
        TalkToMeDbContext db, IQueryable<Conversation> conversations, bool everyConversation, ReportTimeline.BusinessSeconds business,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = 0;
        while (true)
        {
            var batch = await conversations.AsNoTracking().Where(c => c.Id > after).OrderBy(c => c.Id).Take(RebuildBatch)
                .Select(c => new { c.Id, c.ChannelId, c.CreatedAt }).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                yield break;
            }

            int first = batch[0].Id, last = batch[^1].Id;
            var ids = batch.Select(c => c.Id).ToArray();
            var inBatch = everyConversation
                ? db.Messages.Where(m => m.ConversationId >= first && m.ConversationId <= last)
                : db.Messages.Where(m => ids.Contains(m.ConversationId));
            var messages = (await inBatch.AsNoTracking()
                    .Select(m => new { m.ConversationId, Message = new ReportMessage(m.Id, m.Direction, m.Kind, m.SenderType, m.SenderId, m.CreatedAt, m.ActivityData) })
                    .ToListAsync(cancellationToken))
                .ToLookup(m => m.ConversationId, m => m.Message);
            var states = new List<ConversationReportState>(batch.Count);
            var deltas = new List<ReportTimeline.Delta>();
            foreach (var conversation in batch)
            {
                var state = new ConversationReportState(conversation.Id, conversation.ChannelId, conversation.CreatedAt);
                ReportTimeline.Start(state, conversation.CreatedAt, deltas);
                foreach (var message in messages[conversation.Id].OrderBy(m => m.Id))
                {
                    ReportTimeline.Apply(state, message, deltas, business);
                }

                states.Add(state);
            }

            yield return (states, deltas);
            after = last;
        }
    }

    /// <summary>Adds each delta to its cell at every grain it is kept at (<see cref="ReportCount.CellsOf"/>).</summary>
    private static void Accumulate(IEnumerable<ReportTimeline.Delta> deltas, Dictionary<CellKey, (long Count, long Sum)> cells)
    {
        foreach (var delta in deltas)
        {
            Accumulate(delta, cells, null);
        }
    }

    /// <summary>Adds the delta to its cell at every grain it is kept at, or only those of <paramref name="grains"/>.</summary>
    private static void Accumulate(ReportTimeline.Delta delta, Dictionary<CellKey, (long Count, long Sum)> cells, IReadOnlySet<ReportGrain>? grains)
    {
        foreach (var key in ReportCount.CellsOf(delta))
        {
            if (grains is null || grains.Contains(key.Grain))
            {
                ref var cell = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(cells,
                    new CellKey(key.Grain, key.Day, key.ChannelId, key.AgentId, key.Metric, key.Bucket), out _);
                cell = (cell.Count + 1, cell.Sum + delta.Sum);
            }
        }
    }

    private readonly record struct CellKey(ReportGrain Grain, int Day, int ChannelId, string AgentId, ReportMetric Metric, int Bucket);
}
