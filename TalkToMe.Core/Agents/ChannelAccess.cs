using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Agents;

/// <summary>
/// The channels a user may see: every channel (<see cref="All"/>) or only these (an agent restricted to their groups).
/// Their conversations are the only ones the user lists, opens, changes or hears about.
/// </summary>
public sealed class ChannelScope
{
    public static readonly ChannelScope All = new(null);

    /// <summary>No channel at all: an unknown or deactivated user, or a restricted agent in no group.</summary>
    public static readonly ChannelScope None = new([]);

    private readonly int[]? _channelIds;
    private readonly HashSet<int>? _set;

    private ChannelScope(int[]? channelIds)
    {
        _channelIds = channelIds is null ? null : channelIds.Distinct().Order().ToArray();
        _set = _channelIds?.ToHashSet();
    }

    public static ChannelScope Only(IEnumerable<int> channelIds) => new(channelIds.ToArray());

    public bool IsAll => _channelIds is null;

    /// <summary>The allowed channels in id order; null when every channel is.</summary>
    public IReadOnlyList<int>? ChannelIds => _channelIds;

    /// <summary>Names the scope: equal keys, equal scopes (shared caches key on it).</summary>
    public string Key => _channelIds is null ? "*" : string.Join(',', _channelIds);

    public bool Allows(int channelId) => _set is null || _set.Contains(channelId);

    public bool SameAs(ChannelScope other) => Key == other.Key;

    public override string ToString() => Key;
}

/// <summary>
/// The one rule of who sees which channels (issue 15, "Teams"). Admins and agents who are not restricted see every channel;
/// an agent restricted to their groups ("Só os canais dos seus grupos") sees only the channels of the channel groups they
/// are an agent of; a deactivated or unknown user sees none. Everything that shows or changes a conversation asks this
/// (the inbox list, its counts and filters, the thread, every command, "Nova conversa", /hubs/inbox and the live updates):
/// always from the database, never from the claims a page was opened with, because an admin may change it at any time.
/// </summary>
public sealed class ChannelAccess(IDbContextFactory<TalkToMeDbContext> factory)
{
    public async Task<ChannelScope> ForUserAsync(string? userId, CancellationToken cancellationToken = default)
    {
        if (userId is null)
        {
            return ChannelScope.None;
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await ForUserAsync(db, userId, cancellationToken);
    }

    public Task<ChannelScope> ForUserAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default) =>
        ForUserAsync(user.FindFirstValue(ClaimTypes.NameIdentifier), cancellationToken);

    /// <summary>The rule inside a unit of work (a command checks it in the transaction that changes the conversation).</summary>
    public static async Task<ChannelScope> ForUserAsync(TalkToMeDbContext db, string userId, CancellationToken cancellationToken = default)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.IsDeactivated, u.RestrictedToGroups, IsAdmin = db.UserRoles.Any(r => r.UserId == u.Id && db.Roles.Any(role => role.Id == r.RoleId && role.Name == Roles.Admin)) })
            .FirstOrDefaultAsync(cancellationToken);
        if (user is null || user.IsDeactivated)
        {
            return ChannelScope.None;
        }

        if (user.IsAdmin || !user.RestrictedToGroups)
        {
            return ChannelScope.All;
        }

        var channels = await db.ChannelGroups.AsNoTracking().Where(g => g.Agents.Any(a => a.Id == userId))
            .SelectMany(g => g.Channels.Select(c => c.Id)).Distinct().ToListAsync(cancellationToken);
        return ChannelScope.Only(channels);
    }

    /// <summary>The users who may see the channel's conversations (the same rule, as a query over users).</summary>
    public static IQueryable<AppUser> WhoMaySee(TalkToMeDbContext db, IQueryable<AppUser> users, int channelId) =>
        users.Where(u => !u.RestrictedToGroups
            || db.UserRoles.Any(r => r.UserId == u.Id && db.Roles.Any(role => role.Id == r.RoleId && role.Name == Roles.Admin))
            || db.ChannelGroups.Any(g => g.Agents.Any(a => a.Id == u.Id) && g.Channels.Any(c => c.Id == channelId)));
}

/// <summary>
/// Told when who sees which channels may have changed for some users (their groups' agents or channels, their restriction),
/// so their open pages and hub connections catch up at once. The web layer relays it to its own signal of changed users.
/// </summary>
public sealed class ChannelAccessSignal
{
    private event Action<IReadOnlyCollection<string>>? ChangedFor;

    public IDisposable Subscribe(Action<IReadOnlyCollection<string>> handler)
    {
        ChangedFor += handler;
        return new Unsubscribe(() => ChangedFor -= handler);
    }

    public void Changed(IReadOnlyCollection<string> userIds)
    {
        if (userIds.Count > 0)
        {
            ChangedFor?.Invoke(userIds);
        }
    }

    private sealed class Unsubscribe(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
