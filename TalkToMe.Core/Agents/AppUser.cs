using Microsoft.AspNetCore.Identity;

namespace TalkToMe.Core.Agents;

/// <summary>An agent or admin who signs in to TalkToMe.</summary>
public class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
    public bool IsDeactivated { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>"Disponível", "Ocupado" or "Offline": only available agents receive automatic assignments.</summary>
    public AgentStatus Status { get; set; }

    /// <summary>
    /// The agent chose this status themselves (false: TalkToMe set it, because their pages closed or none opened yet). Opening
    /// a page makes an agent who went Offline by themselves available again; one who chose Offline stays Offline.
    /// </summary>
    public bool StatusChosen { get; set; }

    /// <summary>When the status last changed: an Offline agent's conversations return to the queue some time after it.</summary>
    public DateTime? StatusChangedAt { get; set; }

    /// <summary>
    /// Refreshed by every node for the users with a page open on it (and when the last one closes): an agent not seen for
    /// the configured time goes Offline, whichever node their pages were on.
    /// </summary>
    public DateTime? LastSeenAt { get; set; }

    /// <summary>Open conversations automatic assignment gives this agent at most; null means no limit.</summary>
    public int? MaxOpenConversations { get; set; }

    /// <summary>
    /// "Só os canais dos seus grupos": the agent sees, opens and answers only the conversations of the channels in their
    /// channel groups (<see cref="ChannelAccess"/>). Admins see every channel whatever this says.
    /// </summary>
    public bool RestrictedToGroups { get; set; }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string Agent = "Agent";
    public static readonly string[] All = [Admin, Agent];
}
