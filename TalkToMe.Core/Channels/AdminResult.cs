using System.Security.Claims;
using TalkToMe.Core.Agents;

namespace TalkToMe.Core.Channels;

/// <summary>The outcome of an admin change: a value, field errors (nothing was stored), or "not found".</summary>
public sealed record AdminResult<T>(T? Value, IReadOnlyDictionary<string, string> Errors, bool NotFound = false)
{
    private static readonly IReadOnlyDictionary<string, string> NoErrors = new Dictionary<string, string>();

    public bool Succeeded => !NotFound && Errors.Count == 0;

    public static AdminResult<T> Ok(T value) => new(value, NoErrors);
    public static AdminResult<T> Invalid(IReadOnlyDictionary<string, string> errors) => new(default, errors);
    public static AdminResult<T> Missing() => new(default, NoErrors, NotFound: true);
}

public static class AdminGuard
{
    /// <summary>Hiding a button is not security: every change checks the caller's role on the server.</summary>
    public static void RequireAdmin(ClaimsPrincipal caller)
    {
        if (!caller.IsInRole(Roles.Admin))
        {
            throw new UnauthorizedAccessException("Somente administradores podem alterar canais, grupos e Keep Alive.");
        }
    }
}
