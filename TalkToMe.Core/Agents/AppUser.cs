using Microsoft.AspNetCore.Identity;

namespace TalkToMe.Core.Agents;

/// <summary>An agent or admin who signs in to TalkToMe.</summary>
public class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
    public bool IsDeactivated { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string Agent = "Agent";
    public static readonly string[] All = [Admin, Agent];
}
