using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using TalkToMe.Core.Agents;

namespace TalkToMe.Web.Agents;

/// <summary>
/// What each user chose for themselves (dark mode), kept as an Identity claim of theirs so it follows them to every
/// browser. One per circuit; each call opens its own DI scope, so the circuit never holds an Identity context.
/// </summary>
public sealed class UserPreferences(AuthenticationStateProvider authentication, IServiceScopeFactory scopes)
{
    public const string DarkModeClaim = "ttm:dark-mode";

    public async Task<bool> GetDarkModeAsync() => (await GetShellAsync()).DarkMode;

    /// <summary>What the app shell shows of the user, in one read: their name as agents know it, and dark mode.</summary>
    public async Task<(string? DisplayName, bool DarkMode)> GetShellAsync()
    {
        var userId = await CurrentUserIdAsync();
        if (userId is null)
        {
            return (null, false);
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return (null, false);
        }

        var dark = (await users.GetClaimsAsync(user)).FirstOrDefault(c => c.Type == DarkModeClaim)?.Value == "true";
        return (string.IsNullOrWhiteSpace(user.DisplayName) ? null : user.DisplayName, dark);
    }

    public Task SetDarkModeAsync(bool dark) => WriteAsync(DarkModeClaim, dark ? "true" : "false");

    private async Task WriteAsync(string type, string value)
    {
        var userId = await CurrentUserIdAsync();
        if (userId is null)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return;
        }

        var existing = (await users.GetClaimsAsync(user)).Where(c => c.Type == type).ToList();
        if (existing.Count > 0)
        {
            await users.RemoveClaimsAsync(user, existing);
        }

        await users.AddClaimAsync(user, new Claim(type, value));
    }

    private async Task<string?> CurrentUserIdAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return state.User.FindFirstValue(ClaimTypes.NameIdentifier);
    }
}
