namespace TalkToMe.Core.Conversations;

/// <summary>A tag agents put on conversations ("billing", "vip") to filter and report on them.</summary>
public class Label
{
    private Label() { }

    public Label(string name, string color)
    {
        Update(name, color);
    }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public string Color { get; private set; } = "#1e88e5";

    public void Update(string name, string color)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim().ToLowerInvariant();
        Color = string.IsNullOrWhiteSpace(color) ? "#1e88e5" : color.Trim();
    }
}
