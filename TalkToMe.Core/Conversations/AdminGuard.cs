namespace TalkToMe.Core.Conversations;

/// <summary>Thrown when a non-admin calls an admin-only service: hiding a button is not security.</summary>
public sealed class AdminRequiredException() : UnauthorizedAccessException("Somente administradores podem fazer isso.");

internal static class AdminGuard
{
    public static void Require(Actor actor)
    {
        if (!actor.IsAdmin || actor.UserId is null)
        {
            throw new AdminRequiredException();
        }
    }
}
