using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using TalkToMe.Core.Agents;

namespace TalkToMe.Web.Agents;

public sealed record ProfileView(string DisplayName, string Email, string AvatarColor);

/// <summary>
/// The signed-in user's own account: display name, avatar colour, password. Always the circuit's user (never an id from the
/// page), and each call opens its own DI scope so the circuit never holds an Identity context. Errors come back as
/// field → code; the page turns codes into text in the user's language.
/// </summary>
public sealed class ProfileService(AuthenticationStateProvider authentication, IServiceScopeFactory scopes)
{
    public const string AvatarColorClaim = "ttm:avatar-color";
    public const int MaxDisplayNameLength = 100;

    /// <summary>Named colours, all dark enough for white initials (≥ 4.5:1) on light and dark themes.</summary>
    public static readonly IReadOnlyDictionary<string, string> AvatarColors = new Dictionary<string, string>
    {
        ["indigo"] = "#3949ab",
        ["teal"] = "#00695c",
        ["orange"] = "#bf360c",
        ["purple"] = "#6a1b9a",
        ["pink"] = "#ad1457",
        ["slate"] = "#455a64",
    };

    public async Task<ProfileView?> GetAsync()
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        if (await CurrentUserAsync(users) is not { } user)
        {
            return null;
        }

        var color = (await users.GetClaimsAsync(user)).FirstOrDefault(c => c.Type == AvatarColorClaim)?.Value;
        return new ProfileView(user.DisplayName, user.Email ?? "", color is not null && AvatarColors.ContainsKey(color) ? color : "indigo");
    }

    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(string? displayName, string? avatarColor)
    {
        var errors = new Dictionary<string, string>();
        var name = displayName?.Trim() ?? "";
        if (name.Length == 0)
        {
            errors["DisplayName"] = "NameRequired";
        }
        else if (name.Length > MaxDisplayNameLength || name.Any(char.IsControl))
        {
            errors["DisplayName"] = "NameTooLong";
        }

        if (avatarColor is null || !AvatarColors.ContainsKey(avatarColor))
        {
            avatarColor = "indigo";
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await CurrentUserAsync(users) ?? throw new UnauthorizedAccessException();
        user.DisplayName = name;
        await users.UpdateAsync(user);
        var existing = (await users.GetClaimsAsync(user)).Where(c => c.Type == AvatarColorClaim).ToList();
        if (existing.Count > 0)
        {
            await users.RemoveClaimsAsync(user, existing);
        }

        await users.AddClaimAsync(user, new Claim(AvatarColorClaim, avatarColor));
        return errors;
    }

    /// <summary>Changes the password after checking the current one; Identity's password rules apply.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ChangePasswordAsync(string? current, string? next, string? confirm)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrEmpty(current))
        {
            errors["CurrentPassword"] = "CurrentRequired";
        }

        if (string.IsNullOrEmpty(next))
        {
            errors["NewPassword"] = "PasswordTooShort";
        }
        else if (next != confirm)
        {
            errors["ConfirmPassword"] = "ConfirmMismatch";
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await CurrentUserAsync(users) ?? throw new UnauthorizedAccessException();
        var result = await users.ChangePasswordAsync(user, current!, next!);
        foreach (var error in result.Errors)
        {
            var field = error.Code == "PasswordMismatch" ? "CurrentPassword" : "NewPassword";
            errors.TryAdd(field, error.Code is "PasswordMismatch" or "PasswordTooShort" or "PasswordRequiresDigit" or "PasswordRequiresLower"
                or "PasswordRequiresUpper" or "PasswordRequiresUniqueChars" ? error.Code : "Other");
        }

        return errors;
    }

    private async Task<AppUser?> CurrentUserAsync(UserManager<AppUser> users)
    {
        var state = await authentication.GetAuthenticationStateAsync();
        var id = state.User.FindFirstValue(ClaimTypes.NameIdentifier);
        return id is null ? null : await users.FindByIdAsync(id);
    }
}
