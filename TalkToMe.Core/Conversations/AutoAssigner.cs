using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Conversations;

/// <summary>Automatic assignment's timing (configuration section <c>TalkToMe:AutoAssign</c>).</summary>
public sealed class AutoAssignOptions
{
    public const string Section = "TalkToMe:AutoAssign";

    /// <summary>A conversation whose assignee has been Offline this long goes back to its channel's queue.</summary>
    public TimeSpan ReturnAfterOffline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Changes on another node do not wake this one's assigner: it looks at least this often.</summary>
    public TimeSpan MaxIdle { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A channel's automatic assignment as the admin sees it, with its queue (oldest first).</summary>
/// <param name="Mode">The mode in force.</param>
/// <param name="ChannelMode">The channel's own choice, in force unless <paramref name="Group"/> sets one.</param>
/// <param name="Group">The group whose mode is in force for this channel (its first group by id that sets one), if any.</param>
public sealed record AutoAssignSettings(int ChannelId, AutoAssignMode Mode, int Waiting, IReadOnlyList<QueuedConversation> Oldest,
    AutoAssignMode ChannelMode = AutoAssignMode.Off, GroupRef? Group = null);

public sealed record GroupRef(int Id, string Name);

public sealed record QueuedConversation(int Id, string ContactName, DateTime CreatedAt);

/// <summary>Wakes <see cref="AutoAssignService"/>: a conversation joined the queue, a slot freed, an agent became available.</summary>
public sealed class AutoAssignSignal : WakeSignal
{
    /// <summary>A channel's mode in force changed on this node (its own, or its group's): what is queued changed without any
    /// conversation changing.</summary>
    public event Action? ModesChanged;

    public void ModeChanged()
    {
        Notify();
        ModesChanged?.Invoke();
    }
}

/// <summary>
/// Automatic assignment, per channel: off, round-robin or least busy. The queue is a channel's open, unassigned conversations
/// that no flow holds, oldest first. The agents who receive are the active ones who are Disponível and below their capacity
/// (<see cref="AppUser.MaxOpenConversations"/> open conversations; none means no limit), and among them the channel's team:
/// when the channel's groups (<see cref="Channels.ChannelGroup"/>) have agents, only those agents receive its conversations;
/// when they have none, every agent but those restricted to their groups' channels (who may not see this one). A channel
/// nobody can take from now is skipped for the rest of the pass; the other channels' conversations are still assigned.
/// <para>
/// Decided in the database, so two nodes never assign one conversation twice nor fill an agent past capacity: a batch of
/// decisions is one unit of work that takes the oldest waiting conversations with <c>FOR UPDATE SKIP LOCKED</c> (PostgreSQL;
/// another node takes the next ones instead of waiting), locks their channels' <see cref="ChannelAssignment"/> rows (the
/// round-robin cursors), then the candidate agents' rows, each in id order, and counts the agents' open conversations under
/// those locks before sharing the batch out. SQLite's single writer does all of that by holding the database. The batch's
/// assignees and activity lines are written in plain SQL (<see cref="AutoAssignRows"/>) inside that unit of work, which commits
/// them, counts them into the report rollups and publishes their events after the commit, as for a manual assignment.
/// </para>
/// </summary>
public sealed class AutoAssigner(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, AutoAssignSignal signal,
    TimeProvider time, IOptions<AutoAssignOptions> options)
{
    /// <summary>Decisions per pass, so one pass never holds the worker for long; a full pass is followed by the next at once.</summary>
    public const int MaxPerPass = 500;

    /// <summary>Decisions per unit of work: one commit, one set of locks and one count of the agents' load for each batch
    /// (measured: one unit per decision took 10–20 ms each, most of it the unit's fixed cost).</summary>
    public const int BatchSize = 50;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public AutoAssignOptions Options => options.Value;

    public async Task<AutoAssignSettings> SettingsAsync(int channelId, int oldest = 20, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var setting = await db.ChannelAssignments.AsNoTracking().Where(a => a.ChannelId == channelId)
            .Select(a => new { a.Mode, a.ChannelMode }).FirstOrDefaultAsync(cancellationToken);
        var group = await db.ChannelGroups.AsNoTracking()
            .Where(g => g.AssignMode != GroupAssignMode.ChannelDecides && g.Channels.Any(c => c.Id == channelId))
            .OrderBy(g => g.Id).Select(g => new GroupRef(g.Id, g.Name)).FirstOrDefaultAsync(cancellationToken);
        var mode = setting?.Mode ?? AutoAssignMode.Off;
        var queue = Queue(db).Where(c => c.ChannelId == channelId);
        var waiting = mode == AutoAssignMode.Off ? 0 : await queue.CountAsync(cancellationToken);
        var first = mode == AutoAssignMode.Off
            ? []
            : await queue.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Take(oldest)
                .Select(c => new QueuedConversation(c.Id, c.Contact.Name, c.CreatedAt)).ToListAsync(cancellationToken);
        return new AutoAssignSettings(channelId, mode, waiting, first, setting?.ChannelMode ?? AutoAssignMode.Off, group);
    }

    /// <summary>How many conversations wait in the queue of each channel with automatic assignment (the inbox's "Fila",
    /// summed over the channels a user may see); channels with none waiting are left out.</summary>
    public async Task<IReadOnlyDictionary<int, int>> WaitingByChannelAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await Queue(db).GroupBy(c => c.ChannelId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
    }

    /// <summary>Whether any channel assigns automatically (one read of a table with a row per configured channel): the worker
    /// wakes on inbox events of every channel, and an installation without automatic assignment pays only this.</summary>
    public async Task<bool> AnyChannelOnAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.ChannelAssignments.AnyAsync(a => a.Mode != AutoAssignMode.Off, cancellationToken);
    }

    /// <summary>An admin sets the channel's own mode (in force unless one of its groups sets one); the queue (the conversations
    /// already waiting) is worked at once.</summary>
    public async Task SetModeAsync(Actor admin, int channelId, AutoAssignMode mode, CancellationToken cancellationToken = default)
    {
        AdminGuard.Require(admin);
        await units.InTransactionAsync(async unit =>
        {
            await unit.LockAsync<ChannelAssignment>(channelId, cancellationToken);
            var setting = await unit.Db.ChannelAssignments.FirstOrDefaultAsync(a => a.ChannelId == channelId, cancellationToken);
            if (setting is null)
            {
                if (!await unit.Db.Channels.AnyAsync(c => c.Id == channelId, cancellationToken))
                {
                    throw new ConversationRuleException(ServerText.Get("Error.ChannelNotFound", "Canal não encontrado."));
                }

                setting = new ChannelAssignment(channelId);
                unit.Db.ChannelAssignments.Add(setting);
            }

            setting.SetMode(mode);
            setting.Apply((await GroupModesAsync(unit.Db, [channelId], cancellationToken)).GetValueOrDefault(channelId));
        }, cancellationToken);
        signal.ModeChanged();
    }

    /// <summary>
    /// Puts in force each channel's mode after its groups changed (a group's mode, its channels, a group deleted): the mode of
    /// its first group by id that sets one, else the channel's own. In the caller's unit of work, after its changes are saved;
    /// the channels' rows are locked in id order, as the assigner takes them. The caller tells <see cref="AutoAssignSignal.ModeChanged"/>
    /// after the commit.
    /// </summary>
    public static async Task ApplyGroupModesAsync(UnitOfWork unit, IEnumerable<int> channelIds, CancellationToken cancellationToken)
    {
        var ids = channelIds.Distinct().Order().ToList();
        foreach (var id in ids)
        {
            await unit.LockAsync<ChannelAssignment>(id, cancellationToken);
        }

        var groupModes = await GroupModesAsync(unit.Db, ids, cancellationToken);
        var rows = await unit.Db.ChannelAssignments.Where(a => ids.Contains(a.ChannelId)).ToDictionaryAsync(a => a.ChannelId, cancellationToken);
        foreach (var id in ids)
        {
            var groupMode = groupModes.GetValueOrDefault(id);
            if (!rows.TryGetValue(id, out var row))
            {
                if (groupMode is null)
                {
                    continue;
                }

                row = new ChannelAssignment(id);
                unit.Db.ChannelAssignments.Add(row);
            }

            row.Apply(groupMode);
        }
    }

    /// <summary>For each channel that a group gives a mode, the mode of its first such group by id.</summary>
    private static async Task<Dictionary<int, AutoAssignMode?>> GroupModesAsync(TalkToMeDbContext db, IReadOnlyCollection<int> channelIds,
        CancellationToken cancellationToken)
    {
        // A join (query syntax), not a correlated sub-query: SQLite has no APPLY.
        var rows = await (from g in db.ChannelGroups.AsNoTracking()
                          where g.AssignMode != GroupAssignMode.ChannelDecides
                          from c in g.Channels
                          where channelIds.Contains(c.Id)
                          select new { ChannelId = c.Id, GroupId = g.Id, g.AssignMode }).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.ChannelId)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.GroupId).First().AssignMode.ForChannels());
    }

    /// <summary>Assigns waiting conversations, oldest first, until none waits or nobody can take one; returns how many it assigned.</summary>
    public async Task<int> AssignQueuedAsync(CancellationToken cancellationToken = default)
    {
        var assigned = 0;
        // Channels whose team cannot take one more now: the conversations behind theirs would find nobody either.
        var blocked = new HashSet<int>();
        while (assigned < MaxPerPass)
        {
            // Every conversation a batch read was assigned or blocked its channel, so each batch makes progress.
            var (read, batchAssigned) = await AssignBatchAsync(blocked, cancellationToken);
            assigned += batchAssigned;
            if (read == 0)
            {
                break;
            }
        }

        return assigned;
    }

    /// <summary>
    /// Gives conversations whose assignee has been Offline for <see cref="AutoAssignOptions.ReturnAfterOffline"/> back to their
    /// channel's queue (only on channels with automatic assignment: elsewhere nobody would take them); returns how many.
    /// </summary>
    public async Task<int> ReturnFromOfflineAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = Now - options.Value.ReturnAfterOffline;
        List<int> due;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            due = await HeldByOffline(db, cutoff).OrderBy(c => c.Id).Select(c => c.Id).Take(MaxPerPass).ToListAsync(cancellationToken);
        }

        var returned = 0;
        foreach (var id in due)
        {
            // Checked again under the conversation's lock: the agent may be back, or someone reassigned it meanwhile.
            returned += await units.ChangeConversationAsync(id, async (unit, conversation) =>
            {
                var assignee = conversation.AssigneeId is null ? null : await unit.Db.Users.AsNoTracking()
                    .Where(u => u.Id == conversation.AssigneeId && u.Status == AgentStatus.Offline && u.StatusChangedAt <= cutoff)
                    .Select(u => new { u.DisplayName, u.Email }).FirstOrDefaultAsync(cancellationToken);
                if (assignee is null || conversation.Status != ConversationStatus.Open)
                {
                    return 0;
                }

                unit.Record(conversation, conversation.ReturnToQueue(Name(assignee.DisplayName, assignee.Email, conversation.AssigneeId!)), Now);
                return 1;
            }, cancellationToken);
        }

        if (returned > 0)
        {
            signal.Notify();
        }

        return returned;
    }

    /// <summary>When the next conversation held by an Offline agent is due back in the queue, for the worker's sleep.</summary>
    public async Task<DateTime?> NextReturnAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var since = await HeldByOffline(db, DateTime.MaxValue)
            .Join(db.Users, c => c.AssigneeId!, u => u.Id, (_, u) => u.StatusChangedAt)
            .OrderBy(at => at).FirstOrDefaultAsync(cancellationToken);
        return since + options.Value.ReturnAfterOffline;
    }

    private static IQueryable<Conversation> Queue(TalkToMeDbContext db) =>
        db.Conversations.AsNoTracking().Where(c => c.Status == ConversationStatus.Open && c.AssigneeId == null && c.FlowId == null
            && db.ChannelAssignments.Any(a => a.ChannelId == c.ChannelId && a.Mode != AutoAssignMode.Off)
            && db.Channels.Any(ch => ch.Id == c.ChannelId && ch.IsActive && ch.DeletedAt == null));

    private static IQueryable<Conversation> HeldByOffline(TalkToMeDbContext db, DateTime offlineSince) =>
        db.Conversations.AsNoTracking().Where(c => c.Status == ConversationStatus.Open && c.AssigneeId != null
            && db.Users.Any(u => u.Id == c.AssigneeId && u.Status == AgentStatus.Offline && u.StatusChangedAt != null && u.StatusChangedAt <= offlineSince)
            && db.ChannelAssignments.Any(a => a.ChannelId == c.ChannelId && a.Mode != AutoAssignMode.Off));

    /// <summary>
    /// Decides on up to <see cref="BatchSize"/> of the oldest conversations waiting outside the <paramref name="blocked"/> channels
    /// in one unit of work, and adds to <paramref name="blocked"/> each channel whose team could not take one of them; returns
    /// how many it read and how many it assigned. Locks, always in this order so two nodes cannot deadlock: the conversations
    /// (<c>SKIP LOCKED</c>: another node takes the next ones instead of waiting), their channels' <see cref="ChannelAssignment"/>
    /// rows (the round-robin cursors) in channel id order, then every candidate agent's row in id order. Under those locks the
    /// agents' open conversations are counted once and kept up to date in memory while the batch is shared out.
    /// </summary>
    private async Task<(int Read, int Assigned)> AssignBatchAsync(HashSet<int> blocked, CancellationToken cancellationToken)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var postgres = db.Database.IsNpgsql();
        var skipLocked = postgres ? "FOR UPDATE OF c SKIP LOCKED" : "";
        // The queue's definition (see Queue) in SQL, for the lock: the oldest waiting conversations nobody else is deciding on.
        var open = (int)ConversationStatus.Open;
        var off = (int)AutoAssignMode.Off;
        // Only constants go into the text (enum values, the engine's lock clause, channel ids read from the database): nothing from input.
        var skipChannels = blocked.Count == 0 ? "" : $"AND c.\"ChannelId\" NOT IN ({string.Join(",", blocked.Select(id => id.ToString(CultureInfo.InvariantCulture)))})";
        var sql = $"""
            SELECT c."Id", c."ChannelId" FROM "Conversations" c
            JOIN "ChannelAssignments" a ON a."ChannelId" = c."ChannelId"
            JOIN "Channels" ch ON ch."Id" = c."ChannelId"
            WHERE c."Status" = {open} AND c."AssigneeId" IS NULL AND c."FlowId" IS NULL AND a."Mode" <> {off}
              AND ch."IsActive" = {(postgres ? "TRUE" : "1")} AND ch."DeletedAt" IS NULL {skipChannels}
            ORDER BY c."CreatedAt", c."Id"
            LIMIT {BatchSize} {skipLocked}
            """;
        // Read with their channels, not loaded as entities: the batch is written without the change tracker (AutoAssignRows),
        // and what a waiting conversation must be (open, nobody assigned) is the queue's own condition, held under the lock.
        var conversations = await db.Database.SqlQueryRaw<Waiting>(sql).ToListAsync(cancellationToken);
        if (conversations.Count == 0)
        {
            return (0, 0);
        }

        var channelIds = conversations.Select(c => c.ChannelId).Distinct().Order().ToList();
        // The channels' turns: their round-robin cursors are read and moved by one unit at a time.
        foreach (var channelId in channelIds)
        {
            await unit.LockAsync<ChannelAssignment>(channelId, cancellationToken);
        }

        var settings = await db.ChannelAssignments.Where(a => channelIds.Contains(a.ChannelId)).ToDictionaryAsync(a => a.ChannelId, cancellationToken);
        var teams = new Dictionary<int, List<string>>();
        foreach (var channelId in channelIds)
        {
            teams[channelId] = await TeamAsync(db, channelId, cancellationToken);
        }

        var agentIds = teams.Values.SelectMany(t => t).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (postgres && agentIds.Length > 0)
        {
            // The agents' turns: another node assigning to them waits here, then counts what this unit assigned. NO KEY UPDATE:
            // a reply or a manual assignment that references an agent's row need not wait for this.
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""SELECT 1 FROM "AspNetUsers" WHERE "Id" = ANY({agentIds}) ORDER BY "Id" FOR NO KEY UPDATE""", cancellationToken);
        }

        // Counted under the locks (a statement after the lock's, so it sees what the node the lock waited for committed), then
        // kept up to date as the batch is shared out. One grouped count by the assignee index rather than a count per agent.
        var openCounts = await db.Conversations.AsNoTracking()
            .Where(c => agentIds.Contains(c.AssigneeId!) && c.Status == ConversationStatus.Open)
            .GroupBy(c => c.AssigneeId!).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var agents = (await db.Users.AsNoTracking()
            .Where(u => agentIds.Contains(u.Id) && !u.IsDeactivated && u.Status == AgentStatus.Available)
            .Select(u => new { u.Id, u.DisplayName, u.Email, u.MaxOpenConversations }).ToListAsync(cancellationToken))
            .ToDictionary(a => a.Id, a => new Load(a.Id, Name(a.DisplayName, a.Email, a.Id), a.MaxOpenConversations)
            {
                Open = openCounts.GetValueOrDefault(a.Id),
            });

        var assignments = new List<AutoAssignRows.Assignment>(conversations.Count);
        var at = Now;
        foreach (var conversation in conversations)
        {
            if (blocked.Contains(conversation.ChannelId) || !settings.TryGetValue(conversation.ChannelId, out var setting))
            {
                continue;
            }

            var candidates = teams[conversation.ChannelId]
                .Select(id => agents.GetValueOrDefault(id))
                .OfType<Load>()
                .Where(a => a.Max is not { } max || a.Open < max)
                .Select(a => new Candidate(a.Id, a.Name, a.Open))
                .ToList();
            if (Choose(candidates, setting) is not { } agent)
            {
                blocked.Add(conversation.ChannelId);
                continue;
            }

            assignments.Add(new AutoAssignRows.Assignment(conversation.Id, conversation.ChannelId, agent.Id, agent.Name));
            setting.Assigned(agent.Id, at);
            agents[agent.Id].Open++;
        }

        // The conversations and their activity lines in one command; the cursors (a row per channel) through the tracker
        // at the commit, which then counts the conversations named by these events into the report rollups.
        unit.Publish(await AutoAssignRows.WriteAsync(unit.Connection, unit.Transaction, assignments, at, cancellationToken));
        await unit.CommitAsync(cancellationToken);
        return (conversations.Count, assignments.Count);
    }

    /// <summary>
    /// The ids, in order, of the channel's team: the agents of the channel's groups, or, when those groups have none, every
    /// agent who may see the channel (<see cref="ChannelAccess"/>: all but those restricted to other groups' channels). Only the
    /// active and Disponível; their capacity is checked under their locks.
    /// </summary>
    private static async Task<List<string>> TeamAsync(TalkToMeDbContext db, int channelId, CancellationToken cancellationToken)
    {
        var agents = db.Users.AsNoTracking().Where(u => !u.IsDeactivated && u.Status == AgentStatus.Available);
        var team = db.ChannelGroups.Where(g => g.Channels.Any(c => c.Id == channelId)).SelectMany(g => g.Agents.Select(a => a.Id));
        // One query, not "has a team?" then the agents: an agent of the channel's groups is always one who may see it.
        var ids = await ChannelAccess.WhoMaySee(db, agents, channelId).Where(u => !team.Any() || team.Contains(u.Id))
            .Select(u => u.Id).ToListAsync(cancellationToken);
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>A waiting conversation as the batch's query reads it.</summary>
    private sealed record Waiting(int Id, int ChannelId);

    /// <summary>An agent's load while a batch is shared out.</summary>
    private sealed record Load(string Id, string Name, int? Max)
    {
        public int Open { get; set; }
    }

    /// <summary>
    /// Round-robin: the first agent after the channel's cursor in a fixed order (ids), wrapping around. Least busy: the fewest
    /// open conversations; among equals, the same turn after the cursor, so ties are shared out instead of always going to
    /// the same agent.
    /// </summary>
    internal static Candidate? Choose(IReadOnlyList<Candidate> candidates, ChannelAssignment setting)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        var fewest = setting.Mode == AutoAssignMode.LeastBusy ? candidates.Min(m => m.Open) : 0;
        var pool = setting.Mode == AutoAssignMode.LeastBusy ? candidates.Where(c => c.Open == fewest).ToList() : candidates;
        var cursor = setting.LastAssigneeId;
        return (cursor is null ? null : pool.FirstOrDefault(c => string.CompareOrdinal(c.Id, cursor) > 0)) ?? pool[0];
    }

    private static string Name(string displayName, string? email, string id) =>
        string.IsNullOrWhiteSpace(displayName) ? email ?? id : displayName;

    internal sealed record Candidate(string Id, string Name, int Open);
}

/// <summary>
/// Runs <see cref="AutoAssigner"/>: woken by <see cref="AutoAssignSignal"/> and by the inbox events that can change the
/// queue (a conversation open and unassigned, an activity line: resolved, assigned, snoozed…) and agents' status changes,
/// from this node or, through the relay, from others; it also looks every <see cref="AutoAssignOptions.MaxIdle"/> and when the
/// next Offline agent's conversations are due back in the queue.
/// </summary>
public sealed class AutoAssignService(AutoAssigner assigner, AutoAssignSignal signal, InboxEventHub events, AgentStatusSignal statuses,
    TimeProvider time, ILogger<AutoAssignService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var onEvent = events.Subscribe(e =>
        {
            if (e is ConversationChanged { AssigneeId: null, Status: ConversationStatus.Open }
                || e is MessageAdded { Activity: { } activity } && activity.Kind != ActivityKind.AutoAssigned)
            {
                signal.Notify();
            }
        });
        using var onStatus = statuses.Subscribe(_ => signal.Notify());
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = assigner.Options.MaxIdle;
            try
            {
                signal.TryTake();
                if (!await assigner.AnyChannelOnAsync(stoppingToken))
                {
                    await SleepAsync(sleep, stoppingToken);
                    continue;
                }

                await assigner.ReturnFromOfflineAsync(stoppingToken);
                if (await assigner.AssignQueuedAsync(stoppingToken) >= AutoAssigner.MaxPerPass)
                {
                    // A full pass: more may wait, and no event will say so (assignments do not wake this). The next pass
                    // at once, not after MaxIdle (measured: 1,000 waiting took 48 s, half of it this sleep).
                    continue;
                }
                if (await assigner.NextReturnAsync(stoppingToken) is { } next)
                {
                    var until = next - time.GetUtcNow().UtcDateTime;
                    sleep = until <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : until < sleep ? until : sleep;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Automatic assignment failed; trying again shortly");
                sleep = TimeSpan.FromSeconds(5);
            }

            await SleepAsync(sleep, stoppingToken);
        }
    }

    private async Task SleepAsync(TimeSpan sleep, CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var woken = signal.WaitAsync(wake.Token);
        var due = Task.Delay(sleep, time, wake.Token);
        await Task.WhenAny(woken, due);
        await wake.CancelAsync();
        try
        {
            await Task.WhenAll(woken, due);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
