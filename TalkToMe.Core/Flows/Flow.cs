namespace TalkToMe.Core.Flows;

/// <summary>"Fluxo": an ordered list of bot steps a channel runs when a conversation starts (entrada) or ends (saída).</summary>
public class Flow
{
    private readonly List<FlowStep> _steps = [];

    private Flow() { }

    public Flow(string name, DateTime createdAt)
    {
        Rename(name);
        CreatedAt = createdAt;
    }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public IReadOnlyCollection<FlowStep> Steps => _steps;

    public IReadOnlyList<FlowStep> OrderedSteps() => _steps.OrderBy(s => s.Position).ToList();

    public void Rename(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim();
    }

    public void ReplaceSteps(IEnumerable<FlowStep> steps)
    {
        _steps.Clear();
        var position = 0;
        foreach (var step in steps)
        {
            step.MoveTo(position++);
            _steps.Add(step);
        }
    }
}
