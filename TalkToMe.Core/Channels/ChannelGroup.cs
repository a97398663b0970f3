using TalkToMe.Core.Agents;

namespace TalkToMe.Core.Channels;

/// <summary>
/// "Grupos de Canais": a named set of channels, used to organise them and to filter the inbox, and the team of agents
/// ("Agentes") who answer them: automatic assignment gives a channel's conversations to its groups' agents, and an agent
/// restricted to their groups sees only these channels (<see cref="ChannelAccess"/>).
/// </summary>
public class ChannelGroup
{
    private readonly List<Channel> _channels = [];
    private readonly List<AppUser> _agents = [];

    private ChannelGroup() { }

    public ChannelGroup(string name, string? description)
    {
        Update(name, description);
    }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public string? Description { get; private set; }

    /// <summary>Automatic assignment for every channel of the group, or left to each channel (the default).</summary>
    public Conversations.GroupAssignMode AssignMode { get; private set; }
    public IReadOnlyCollection<Channel> Channels => _channels;
    public IReadOnlyCollection<AppUser> Agents => _agents;

    public void Update(string name, string? description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim();
        Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
    }

    public void SetAssignMode(Conversations.GroupAssignMode mode)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode));
        }

        AssignMode = mode;
    }

    public void SetChannels(IEnumerable<Channel> channels)
    {
        _channels.Clear();
        // New channels all have Id 0 until saved: tell them apart by reference, saved ones by Id.
        var ids = new HashSet<int>();
        foreach (var channel in channels)
        {
            if (!_channels.Contains(channel) && (channel.Id == 0 || ids.Add(channel.Id)))
            {
                _channels.Add(channel);
            }
        }
    }

    public void SetAgents(IEnumerable<AppUser> agents)
    {
        _agents.Clear();
        _agents.AddRange(agents.DistinctBy(a => a.Id));
    }
}
