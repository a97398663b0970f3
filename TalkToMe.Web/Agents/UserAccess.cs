using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Agents;

/// <summary>What the database says about a user right now.</summary>
public sealed record UserAccessState(bool Exists, bool IsDeactivated, string? SecurityStamp, IReadOnlySet<string> Roles)
{
    public static readonly UserAccessState Missing = new(false, true, null, new HashSet<string>());

    public bool IsActive => Exists && !IsDeactivated;
}

/// <summary>
/// Reads a user's active flag, roles and security stamp straight from the database (no Identity caches): the answer a
/// long-lived page must get before every action, because the claims it was opened with may be minutes old.
/// </summary>
public sealed class UserAccessCheck(IDbContextFactory<TalkToMeDbContext> factory, IOptions<IdentityOptions> identity)
{
    public async Task<UserAccessState> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        // One round trip: this runs before every action of every open page.
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new
            {
                u.IsDeactivated,
                u.SecurityStamp,
                Roles = db.UserRoles.Where(r => r.UserId == u.Id).Join(db.Roles, r => r.RoleId, role => role.Id, (_, role) => role.Name!).ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        return user is null
            ? UserAccessState.Missing
            : new UserAccessState(true, user.IsDeactivated, user.SecurityStamp, user.Roles.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// The user behind these claims is still active and still holds every role the claims give them (a promotion is
    /// not a loss; the next sign-in brings the new role).
    /// </summary>
    public Task<bool> StillAllowedAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default) =>
        CheckAsync(principal, requireCurrentStamp: false, cancellationToken);

    /// <summary>Still allowed, and signed in with the current security stamp (a password or role change renews it).</summary>
    public Task<bool> SignInStillValidAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default) =>
        CheckAsync(principal, requireCurrentStamp: true, cancellationToken);

    private async Task<bool> CheckAsync(ClaimsPrincipal principal, bool requireCurrentStamp, CancellationToken cancellationToken)
    {
        var claims = identity.Value.ClaimsIdentity;
        var userId = principal.FindFirstValue(claims.UserIdClaimType);
        if (userId is null)
        {
            return false;
        }

        var state = await GetAsync(userId, cancellationToken);
        if (!state.IsActive || !principal.FindAll(claims.RoleClaimType).All(c => state.Roles.Contains(c.Value)))
        {
            return false;
        }

        var stamp = principal.FindFirstValue(claims.SecurityStampClaimType);
        return !requireCurrentStamp || stamp is null || stamp == state.SecurityStamp;
    }
}

/// <summary>
/// Told when an admin deactivates a user or changes their role, so that user's open pages and hub connections are
/// cut off at once instead of at the next periodic check. In-process only: changes made elsewhere are caught by the
/// periodic revalidation and the check before every action.
/// </summary>
public sealed class UserAccessSignal
{
    private readonly ConcurrentDictionary<Guid, Action<string>> _listeners = new();
    private readonly ConcurrentDictionary<Guid, Action<string>> _changedHere = new();

    public IDisposable Subscribe(Action<string> onChanged) => Add(_listeners, onChanged);

    /// <summary>Only changes made on this node: for the relay that carries them to the other nodes.</summary>
    public IDisposable SubscribeChangedHere(Action<string> onChanged) => Add(_changedHere, onChanged);

    /// <summary>An admin on this node deactivated, demoted or otherwise changed the user.</summary>
    public void Changed(string userId)
    {
        Notify(_listeners, userId);
        Notify(_changedHere, userId);
    }

    /// <summary>The change was made on another node.</summary>
    public void ChangedOnOtherNode(string userId) => Notify(_listeners, userId);

    private static IDisposable Add(ConcurrentDictionary<Guid, Action<string>> listeners, Action<string> onChanged)
    {
        var id = Guid.NewGuid();
        listeners[id] = onChanged;
        return new Subscription(() => listeners.TryRemove(id, out _));
    }

    private static void Notify(ConcurrentDictionary<Guid, Action<string>> listeners, string userId)
    {
        foreach (var listener in listeners.Values)
        {
            listener(userId);
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
