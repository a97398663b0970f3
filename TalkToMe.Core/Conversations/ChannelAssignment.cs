namespace TalkToMe.Core.Conversations;

/// <summary>How a channel's new conversations find an agent: nobody (agents take them), in turn, or whoever has fewest.</summary>
public enum AutoAssignMode
{
    Off = 0,
    RoundRobin = 1,
    LeastBusy = 2,
}

/// <summary>
/// A channel group's automatic assignment ("Atribuição automática" on the group's page): left to each channel, or one mode
/// for every channel of the group, which then overrides the channel's own choice. Named in JSON (the admin API).
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<GroupAssignMode>))]
public enum GroupAssignMode
{
    ChannelDecides = 0,
    Off = 1,
    RoundRobin = 2,
    LeastBusy = 3,
}

public static class GroupAssignModes
{
    /// <summary>The mode the group gives its channels; null when each channel decides.</summary>
    public static AutoAssignMode? ForChannels(this GroupAssignMode mode) => mode switch
    {
        GroupAssignMode.Off => AutoAssignMode.Off,
        GroupAssignMode.RoundRobin => AutoAssignMode.RoundRobin,
        GroupAssignMode.LeastBusy => AutoAssignMode.LeastBusy,
        _ => null,
    };
}

/// <summary>
/// A channel's automatic assignment: the mode and the round-robin cursor (the agent who got the last one, so the next goes to
/// whoever follows them, across restarts and nodes). Its own table rather than columns of Channel: the assigner locks this
/// row to take its turn on the channel, and a lock on the channel's row would hold up every message stored on it.
/// </summary>
public class ChannelAssignment
{
    private ChannelAssignment() { }

    public ChannelAssignment(int channelId) => ChannelId = channelId;

    public int ChannelId { get; private set; }

    /// <summary>The mode in force: the channel's own, or its group's when a group sets one (what the assigner reads).</summary>
    public AutoAssignMode Mode { get; private set; }

    /// <summary>The channel's own choice on its page, in force when none of its groups sets a mode.</summary>
    public AutoAssignMode ChannelMode { get; private set; }

    /// <summary>The agent who received this channel's last automatic assignment (the round-robin cursor).</summary>
    public string? LastAssigneeId { get; private set; }

    public DateTime? LastAssignedAt { get; private set; }

    public void SetMode(AutoAssignMode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ConversationRuleException(ServerText.Get("Error.AutoAssignMode", "Modo de atribuição inválido."));
        }

        ChannelMode = mode;
        Mode = mode;
    }

    /// <summary>Puts the mode in force: the group's when it sets one, else the channel's own.</summary>
    public void Apply(AutoAssignMode? groupMode) => Mode = groupMode ?? ChannelMode;

    public void Assigned(string agentId, DateTime at)
    {
        LastAssigneeId = agentId;
        LastAssignedAt = at;
    }
}
