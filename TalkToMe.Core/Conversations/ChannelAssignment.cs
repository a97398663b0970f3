namespace TalkToMe.Core.Conversations;

/// <summary>How a channel's new conversations find an agent: nobody (agents take them), in turn, or whoever has fewest.</summary>
public enum AutoAssignMode
{
    Off = 0,
    RoundRobin = 1,
    LeastBusy = 2,
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
    public AutoAssignMode Mode { get; private set; }

    /// <summary>The agent who received this channel's last automatic assignment (the round-robin cursor).</summary>
    public string? LastAssigneeId { get; private set; }

    public DateTime? LastAssignedAt { get; private set; }

    public void SetMode(AutoAssignMode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ConversationRuleException(ServerText.Get("Error.AutoAssignMode", "Modo de atribuição inválido."));
        }

        Mode = mode;
    }

    public void Assigned(string agentId, DateTime at)
    {
        LastAssigneeId = agentId;
        LastAssignedAt = at;
    }
}
