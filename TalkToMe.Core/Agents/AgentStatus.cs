using System.Collections.Concurrent;

namespace TalkToMe.Core.Agents;

/// <summary>An agent's availability ("Disponível", "Ocupado", "Offline"): only available agents receive automatic assignments.</summary>
public enum AgentStatus
{
    Offline = 0,
    Available = 1,
    Busy = 2,
}

/// <summary>An agent's availability changed (chosen in the app bar, or set by itself when their pages closed or opened).</summary>
public sealed record AgentStatusChange(string UserId, AgentStatus Status);

/// <summary>
/// Tells open pages (the app bar, Agentes, the assignee picker) and the automatic assigner that an agent's availability or
/// capacity changed. Raised after the commit by <see cref="AgentPresence"/> and the agent admin; with many nodes the Redis
/// relay carries changes made here to the other nodes (<see cref="SubscribeChangedHere"/>, <see cref="ChangedOnOtherNode"/>).
/// </summary>
public sealed class AgentStatusSignal
{
    private readonly ConcurrentDictionary<Guid, Action<AgentStatusChange>> _listeners = new();
    private readonly ConcurrentDictionary<Guid, Action<AgentStatusChange>> _changedHere = new();

    /// <summary>Every change, made on this node or another one. Handlers run on the writer's thread: hand the change over.</summary>
    public IDisposable Subscribe(Action<AgentStatusChange> onChanged) => Add(_listeners, onChanged);

    /// <summary>Only changes made on this node: for the relay that carries them to the other nodes.</summary>
    public IDisposable SubscribeChangedHere(Action<AgentStatusChange> onChanged) => Add(_changedHere, onChanged);

    public void Changed(AgentStatusChange change)
    {
        Notify(_listeners, change);
        Notify(_changedHere, change);
    }

    public void ChangedOnOtherNode(AgentStatusChange change) => Notify(_listeners, change);

    private static IDisposable Add(ConcurrentDictionary<Guid, Action<AgentStatusChange>> listeners, Action<AgentStatusChange> onChanged)
    {
        var id = Guid.NewGuid();
        listeners[id] = onChanged;
        return new Subscription(() => listeners.TryRemove(id, out _));
    }

    private static void Notify(ConcurrentDictionary<Guid, Action<AgentStatusChange>> listeners, AgentStatusChange change)
    {
        foreach (var listener in listeners.Values)
        {
            try
            {
                listener(change);
            }
            catch (Exception)
            {
                // One closed page must not keep the others (or the assigner) from hearing of it.
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
