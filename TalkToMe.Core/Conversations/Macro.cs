namespace TalkToMe.Core.Conversations;

public enum MacroActionType
{
    SendMessage,
    AddPrivateNote,
    AddLabel,
    RemoveLabel,
    Assign,
    ChangePriority,
    Snooze,
    Resolve,
}

/// <summary>One step of a macro; <see cref="Value"/> is the text, label name, agent id, priority or snooze minutes.</summary>
public record MacroAction(MacroActionType Type, string? Value);

/// <summary>A named, ordered list of actions an agent applies to a conversation in one click.</summary>
public class Macro
{
    private Macro() { }

    public Macro(string name, IEnumerable<MacroAction> actions)
    {
        Update(name, actions);
    }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public List<MacroAction> Actions { get; private set; } = [];

    public void Update(string name, IEnumerable<MacroAction> actions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim();
        Actions = actions.ToList();
    }
}
