using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Agents;

/// <summary>How availability follows open pages (configuration section <c>TalkToMe:Presence</c>).</summary>
public sealed class PresenceOptions
{
    public const string Section = "TalkToMe:Presence";

    /// <summary>An agent with no open page for this long becomes Offline by itself.</summary>
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each node tells the database which users have a page open on it (well under <see cref="OfflineAfter"/>).</summary>
    public TimeSpan Heartbeat => OfflineAfter / 4 < TimeSpan.FromMinutes(1) ? OfflineAfter / 4 : TimeSpan.FromMinutes(1);
}

/// <summary>
/// Agents' availability. The agent chooses Disponível, Ocupado or Offline (<see cref="ChooseAsync"/>); on top of that it
/// follows their open pages: the web layer reports each page (circuit) that connects or disconnects, this node counts them
/// per user and refreshes <see cref="AppUser.LastSeenAt"/> for the users it has pages of (<see cref="HeartbeatAsync"/>).
/// <para>
/// Many nodes: the count lives in each node's memory, the truth in the database. A node writes LastSeenAt when a user's
/// first page opens, every <see cref="PresenceOptions.Heartbeat"/> while any is open, and when the last one closes; any
/// node's sweep (<see cref="SweepAsync"/>) sets Offline the users not seen for <see cref="PresenceOptions.OfflineAfter"/>,
/// so a user whose pages are on another node stays available, and one whose node died goes Offline after the same time.
/// </para>
/// <para>
/// A page that opens makes an agent who went Offline by itself available again; one who chose Offline stays Offline (they
/// said they are away, and a tab left open or reopened must not hand them conversations). Busy goes Offline like
/// Available when the pages close, and comes back as Disponível.
/// </para>
/// </summary>
public sealed class AgentPresence(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, AgentStatusSignal signal,
    TimeProvider time, IOptions<PresenceOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _pages = new(StringComparer.Ordinal);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public PresenceOptions Options => options.Value;

    /// <summary>The users with a page open on this node.</summary>
    public IReadOnlyCollection<string> UsersWithPagesHere => _pages.Where(p => p.Value > 0).Select(p => p.Key).ToList();

    public async Task<AgentStatus> StatusAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Status).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The agent chose a status in the app bar.</summary>
    public async Task ChooseAsync(string userId, AgentStatus status, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status));
        }

        var now = Now;
        await units.InTransactionAsync(unit =>
            unit.Db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.Status, status)
                .SetProperty(u => u.StatusChosen, true)
                .SetProperty(u => u.StatusChangedAt, u => u.Status == status ? u.StatusChangedAt : now), cancellationToken),
            cancellationToken);
        // Published even when unchanged: the user's other tabs show the choice, and the assigner looks again.
        signal.Changed(new AgentStatusChange(userId, status));
    }

    /// <summary>An admin sets how many open conversations automatic assignment gives the agent at most (null: no limit).</summary>
    public async Task SetCapacityAsync(string userId, int? capacity, CancellationToken cancellationToken = default)
    {
        if (capacity is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity));
        }

        var status = await units.InTransactionAsync(async unit =>
        {
            await unit.Db.Users.Where(u => u.Id == userId)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.MaxOpenConversations, capacity), cancellationToken);
            return await unit.Db.Users.Where(u => u.Id == userId).Select(u => u.Status).FirstOrDefaultAsync(cancellationToken);
        }, cancellationToken);
        // The assigner hears every change of an agent: a raised capacity is a free slot.
        signal.Changed(new AgentStatusChange(userId, status));
    }

    /// <summary>A page of <paramref name="userId"/> connected to this node: seen now, and available again if they went Offline by themselves.</summary>
    public async Task PageOpenedAsync(string userId, CancellationToken cancellationToken = default)
    {
        _pages.AddOrUpdate(userId, 1, (_, count) => count + 1);
        var now = Now;
        var back = await units.InTransactionAsync(async unit =>
        {
            await unit.Db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSeenAt, now), cancellationToken);
            return await unit.Db.Users.Where(u => u.Id == userId && u.Status == AgentStatus.Offline && !u.StatusChosen && !u.IsDeactivated)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Status, AgentStatus.Available)
                    .SetProperty(u => u.StatusChangedAt, now), cancellationToken) > 0;
        }, cancellationToken);
        if (back)
        {
            signal.Changed(new AgentStatusChange(userId, AgentStatus.Available));
        }
    }

    /// <summary>A page of <paramref name="userId"/> disconnected from this node; the last one starts the count to Offline.</summary>
    public async Task PageClosedAsync(string userId, CancellationToken cancellationToken = default)
    {
        var left = _pages.AddOrUpdate(userId, 0, (_, count) => Math.Max(0, count - 1));
        if (left == 0)
        {
            _pages.TryRemove(new KeyValuePair<string, int>(userId, 0));
            var now = Now;
            await units.InTransactionAsync(unit =>
                unit.Db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSeenAt, now), cancellationToken),
                cancellationToken);
        }
    }

    /// <summary>Tells the database that the users with a page open here are still here (one UPDATE for all of them).</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        var here = UsersWithPagesHere.ToArray();
        if (here.Length == 0)
        {
            return;
        }

        var now = Now;
        await units.InTransactionAsync(unit =>
            unit.Db.Users.Where(u => here.Contains(u.Id)).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSeenAt, now), cancellationToken),
            cancellationToken);
    }

    /// <summary>Sets Offline (automatically) the agents no node has seen for <see cref="PresenceOptions.OfflineAfter"/>; returns them.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        var cutoff = now - options.Value.OfflineAfter;
        var here = UsersWithPagesHere.ToArray();
        var gone = await units.InTransactionAsync(async unit =>
        {
            // A user with a page open on this node is here whatever the column says (the heartbeat may be a moment late).
            var stale = unit.Db.Users.Where(u => u.Status != AgentStatus.Offline && (u.LastSeenAt == null || u.LastSeenAt <= cutoff)
                && !here.Contains(u.Id));
            var ids = await stale.Select(u => u.Id).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return ids;
            }

            // The same condition again in the UPDATE: a heartbeat from another node between the read and the write wins.
            await stale.Where(u => ids.Contains(u.Id)).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.Status, AgentStatus.Offline)
                .SetProperty(u => u.StatusChosen, false)
                .SetProperty(u => u.StatusChangedAt, now), cancellationToken);
            return await unit.Db.Users.Where(u => ids.Contains(u.Id) && u.Status == AgentStatus.Offline && u.StatusChangedAt == now)
                .Select(u => u.Id).ToListAsync(cancellationToken);
        }, cancellationToken);
        foreach (var id in gone)
        {
            signal.Changed(new AgentStatusChange(id, AgentStatus.Offline));
        }

        return gone;
    }
}

/// <summary>Runs the heartbeat and the sweep of <see cref="AgentPresence"/> every <see cref="PresenceOptions.Heartbeat"/>.</summary>
public sealed class AgentPresenceService(AgentPresence presence, TimeProvider time, ILogger<AgentPresenceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await presence.HeartbeatAsync(stoppingToken);
                await presence.SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Agent presence heartbeat failed; trying again at the next one");
            }

            try
            {
                await Task.Delay(presence.Options.Heartbeat, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
