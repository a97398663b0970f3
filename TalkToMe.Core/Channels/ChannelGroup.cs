namespace TalkToMe.Core.Channels;

/// <summary>"Grupos de Canais": a named set of channels, used to organise them and to filter the inbox.</summary>
public class ChannelGroup
{
    private readonly List<Channel> _channels = [];

    private ChannelGroup() { }

    public ChannelGroup(string name, string? description)
    {
        Update(name, description);
    }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public string? Description { get; private set; }
    public IReadOnlyCollection<Channel> Channels => _channels;

    public void Update(string name, string? description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim();
        Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
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
}
