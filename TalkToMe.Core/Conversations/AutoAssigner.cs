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
public sealed record AutoAssignSettings(int ChannelId, AutoAssignMode Mode, int Waiting, IReadOnlyList<QueuedConversation> Oldest);

public sealed record QueuedConversation(int Id, string ContactName, DateTime CreatedAt);

/// <summary>Wakes <see cref="AutoAssignService"/>: a conversation joined the queue, a slot freed, an agent became available.</summary>
public sealed class AutoAssignSignal : WakeSignal;

/// <summary>
/// Automatic assignment, per channel: off, round-robin or least busy. The queue is a channel's open, unassigned conversations
/// that no flow holds, oldest first. The agents who receive are the active ones who are Disponível and below their capacity
/// (<see cref="AppUser.MaxOpenConversations"/> open conversations; none means no limit), and among them the channel's team:
/// when the channel's groups (<see cref="Channels.ChannelGroup"/>) have agents, only those agents receive its conversations;
/// when they have none, every agent but those restricted to their groups' channels (who may not see this one). A channel
/// nobody can take from now is skipped for the rest of the pass; the other channels' conversations are still assigned.
/// <para>
/// Decided in the database, so two nodes never assign one conversation twice nor fill an agent past capacity: each decision is
/// one unit of work that takes the oldest waiting conversation with <c>FOR UPDATE SKIP LOCKED</c> (PostgreSQL; another node
/// takes the next one instead of waiting), locks the channel's <see cref="ChannelAssignment"/> row (its round-robin cursor), then
/// the chosen agent's row, and counts that agent's open conversations again under that lock before assigning. SQLite's
/// single writer does all of that by holding the database. The activity line and the events go out with the commit, through
/// the same unit of work as a manual assignment.
/// </para>
/// </summary>
public sealed class AutoAssigner(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, AutoAssignSignal signal,
    TimeProvider time, IOptions<AutoAssignOptions> options)
{
    /// <summary>Decisions per pass, so one pass never holds the worker for long; a full pass is followed by the next at once.</summary>
    public const int MaxPerPass = 500;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public AutoAssignOptions Options => options.Value;

    /// <summary>A channel's mode changed on this node: what is queued changed without any conversation changing.</summary>
    public event Action? ModeChanged;

    public async Task<AutoAssignSettings> SettingsAsync(int channelId, int oldest = 20, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var mode = await db.ChannelAssignments.AsNoTracking().Where(a => a.ChannelId == channelId).Select(a => a.Mode)
            .FirstOrDefaultAsync(cancellationToken);
        var queue = Queue(db).Where(c => c.ChannelId == channelId);
        var waiting = mode == AutoAssignMode.Off ? 0 : await queue.CountAsync(cancellationToken);
        var first = mode == AutoAssignMode.Off
            ? []
            : await queue.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Take(oldest)
                .Select(c => new QueuedConversation(c.Id, c.Contact.Name, c.CreatedAt)).ToListAsync(cancellationToken);
        return new AutoAssignSettings(channelId, mode, waiting, first);
    }

    /// <summary>How many conversations wait in the queues of every channel with automatic assignment (the inbox's "Fila").</summary>
    public async Task<int> WaitingAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await Queue(db).CountAsync(cancellationToken);
    }

    /// <summary>Whether any channel assigns automatically (one read of a table with a row per configured channel): the worker
    /// wakes on inbox events of every channel, and an installation without automatic assignment pays only this.</summary>
    public async Task<bool> AnyChannelOnAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.ChannelAssignments.AnyAsync(a => a.Mode != AutoAssignMode.Off, cancellationToken);
    }

    /// <summary>An admin sets the channel's mode; the queue (the conversations already waiting) is worked at once.</summary>
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
        }, cancellationToken);
        signal.Notify();
        ModeChanged?.Invoke();
    }

    /// <summary>Assigns waiting conversations, oldest first, until none waits or nobody can take one; returns how many it assigned.</summary>
    public async Task<int> AssignQueuedAsync(CancellationToken cancellationToken = default)
    {
        var assigned = 0;
        // Channels whose team cannot take one more now: the conversations behind theirs would find nobody either.
        var blocked = new HashSet<int>();
        while (assigned < MaxPerPass)
        {
            var (outcome, channelId) = await AssignOldestAsync(blocked, cancellationToken);
            if (outcome == Outcome.Assigned)
            {
                assigned++;
            }
            else if (outcome == Outcome.NobodyCanTake)
            {
                blocked.Add(channelId);
            }
            else
            {
                break;
            }
        }

        return assigned;
    }

    private enum Outcome
    {
        Assigned,
        NobodyCanTake,
        NothingWaits,
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
    /// One decision in one unit of work on the oldest conversation waiting outside the <paramref name="blocked"/> channels:
    /// assigned, nobody on its channel's team can take it (with the channel), or nothing waits.
    /// </summary>
    private async Task<(Outcome Outcome, int ChannelId)> AssignOldestAsync(IReadOnlySet<int> blocked, CancellationToken cancellationToken)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        var postgres = unit.Db.Database.IsNpgsql();
        var skipLocked = postgres ? "FOR UPDATE OF c SKIP LOCKED" : "";
        // The queue's definition (see Queue) in SQL, for the lock: the oldest waiting conversation nobody else is deciding on.
        var open = (int)ConversationStatus.Open;
        var off = (int)AutoAssignMode.Off;
        // Only constants go into the text (enum values, the engine's lock clause, channel ids read from the database): nothing from input.
        var skipChannels = blocked.Count == 0 ? "" : $"AND c.\"ChannelId\" NOT IN ({string.Join(",", blocked.Select(id => id.ToString(CultureInfo.InvariantCulture)))})";
        var sql = $"""
            SELECT c."Id" AS "Value" FROM "Conversations" c
            JOIN "ChannelAssignments" a ON a."ChannelId" = c."ChannelId"
            JOIN "Channels" ch ON ch."Id" = c."ChannelId"
            WHERE c."Status" = {open} AND c."AssigneeId" IS NULL AND c."FlowId" IS NULL AND a."Mode" <> {off}
              AND ch."IsActive" = {(postgres ? "TRUE" : "1")} AND ch."DeletedAt" IS NULL {skipChannels}
            ORDER BY c."CreatedAt", c."Id"
            LIMIT 1 {skipLocked}
            """;
        var ids = await unit.Db.Database.SqlQueryRaw<int>(sql).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return (Outcome.NothingWaits, 0);
        }

        var conversation = await unit.Db.Conversations.FirstAsync(c => c.Id == ids[0], cancellationToken);
        // The channel's turn: its round-robin cursor is read and moved by one decision at a time.
        await unit.LockAsync<ChannelAssignment>(conversation.ChannelId, cancellationToken);
        var setting = await unit.Db.ChannelAssignments.FirstAsync(a => a.ChannelId == conversation.ChannelId, cancellationToken);
        var tried = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var candidates = (await CandidatesAsync(unit.Db, conversation.ChannelId, cancellationToken)).Where(c => !tried.Contains(c.Id)).ToList();
            if (Choose(candidates, setting) is not { } agent)
            {
                return (Outcome.NobodyCanTake, conversation.ChannelId);
            }

            // The agent's turn: another node assigning to them waits here, then counts what this one assigned.
            if (postgres)
            {
                // NO KEY UPDATE: a reply or a manual assignment that references the agent's row need not wait for this.
                await unit.Db.Database.ExecuteSqlInterpolatedAsync(
                    $"""SELECT 1 FROM "AspNetUsers" WHERE "Id" = {agent.Id} FOR NO KEY UPDATE""", cancellationToken);
            }

            var now = await CandidatesAsync(unit.Db, conversation.ChannelId, cancellationToken, agent.Id);
            if (now.Count == 0)
            {
                tried.Add(agent.Id);
                continue;
            }

            var at = Now;
            unit.Record(conversation, conversation.AutoAssign(agent.Id, agent.Name), at);
            setting.Assigned(agent.Id, at);
            await unit.CommitAsync(cancellationToken);
            return (Outcome.Assigned, conversation.ChannelId);
        }
    }

    /// <summary>
    /// The active, available agents below capacity on the channel's team (only <paramref name="onlyId"/> when given), with their
    /// open conversations. The team: the agents of the channel's groups, or, when those groups have none, every agent who may
    /// see the channel (<see cref="ChannelAccess"/>: all but those restricted to other groups' channels).
    /// </summary>
    private static async Task<List<Candidate>> CandidatesAsync(TalkToMeDbContext db, int channelId, CancellationToken cancellationToken,
        string? onlyId = null)
    {
        var agents = db.Users.AsNoTracking().Where(u => !u.IsDeactivated && u.Status == AgentStatus.Available);
        var team = db.ChannelGroups.Where(g => g.Channels.Any(c => c.Id == channelId)).SelectMany(g => g.Agents.Select(a => a.Id));
        agents = await team.AnyAsync(cancellationToken)
            ? agents.Where(u => team.Contains(u.Id))
            : ChannelAccess.WhoMaySee(db, agents, channelId);
        if (onlyId is not null)
        {
            agents = agents.Where(u => u.Id == onlyId);
        }

        var rows = await agents.Select(u => new
        {
            u.Id,
            u.DisplayName,
            u.Email,
            u.MaxOpenConversations,
            Open = db.Conversations.Count(c => c.AssigneeId == u.Id && c.Status == ConversationStatus.Open),
        }).ToListAsync(cancellationToken);
        return rows.Where(r => r.MaxOpenConversations is not { } max || r.Open < max)
            .Select(r => new Candidate(r.Id, Name(r.DisplayName, r.Email, r.Id), r.Open))
            .OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
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

        var pool = setting.Mode == AutoAssignMode.LeastBusy
            ? candidates.Where(c => c.Open == candidates.Min(m => m.Open)).ToList()
            : candidates;
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
