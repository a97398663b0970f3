using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TalkToMe.Core.Realtime;

/// <summary>How long "who is here" lasts (configuration section <c>TalkToMe:ConversationPresence</c>).</summary>
public sealed class ConversationPresenceOptions
{
    public const string Section = "TalkToMe:ConversationPresence";

    /// <summary>A typist sends at most one signal this often while they keep typing (<see cref="TypingThrottle"/>).</summary>
    public TimeSpan TypingSignalEvery { get; set; } = TimeSpan.FromSeconds(2.5);

    /// <summary>"Ana está digitando…" goes this long after her last signal: more than two signals apart, so a late one is no gap.</summary>
    public TimeSpan TypingExpiresAfter { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Each node tells the others this often who views a conversation on it.</summary>
    public TimeSpan ViewerHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A viewer on another node that was not announced for this long is gone (its node died or lost Redis).</summary>
    public TimeSpan ViewerExpiresAfter { get; set; } = TimeSpan.FromSeconds(45);
}

public enum PresenceSignalKind
{
    Viewing,
    Left,
    Typing,
    StoppedTyping,
}

/// <summary>
/// One change of who is in a conversation, as the nodes tell each other: <see cref="Key"/> names one open page (a viewer)
/// or one typist (<see cref="ConversationPresence.AgentKey"/>, <see cref="ConversationPresence.ContactKey"/>).
/// </summary>
public sealed record PresenceSignal(PresenceSignalKind Kind, int ConversationId, string Key, string? UserId = null, string Name = "",
    bool IsNote = false, bool IsContact = false);

public sealed record ConversationViewer(string UserId, string Name);

/// <summary>Someone writing in the conversation: an agent (a reply or, <see cref="IsNote"/>, a private note) or the customer.</summary>
public sealed record ConversationTypist(string? UserId, string Name, bool IsNote, bool IsContact);

/// <summary>Who views a conversation (in the order they came, one entry per open page) and who types in it now.</summary>
public sealed record PresenceSnapshot(IReadOnlyList<ConversationViewer> Viewers, IReadOnlyList<ConversationTypist> Typists)
{
    public static readonly PresenceSnapshot Empty = new([], []);
}

/// <summary>
/// "Who is here": the agents viewing each conversation and who types in it. Ephemeral, never stored: it lives in each
/// node's memory and, with Redis, the nodes tell each other every change (<see cref="SubscribeHere"/> /
/// <see cref="ApplyFromOtherNode"/>), as they do for inbox events.
/// <para>
/// A page viewing a conversation here stays until it leaves (<see cref="View"/>'s handle disposed: the thread closed, or its
/// connection dropped); this node repeats its viewers to the others every <see cref="ConversationPresenceOptions.ViewerHeartbeat"/>,
/// and a viewer heard from another node expires when not repeated for <see cref="ConversationPresenceOptions.ViewerExpiresAfter"/>
/// (that node died or lost Redis). A typist expires <see cref="ConversationPresenceOptions.TypingExpiresAfter"/> after their
/// last signal, or at once when they send or empty the draft.
/// </para>
/// <para>
/// Only open conversations are watched (<see cref="Watch"/>), by the pages showing them, and a page shows a conversation
/// only once the agent was allowed to load it: presence reaches exactly the agents who may see the conversation.
/// Watchers run on the caller's thread and must only hand the change over (a component calls InvokeAsync).
/// </para>
/// </summary>
public sealed class ConversationPresence : IDisposable
{
    public const string ContactKey = "contact";

    // Never a zero wait: a timer due at once may run its callback on this thread, inside the lock.
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Room> _rooms = [];
    private readonly TimeProvider _time;
    private readonly ConversationPresenceOptions _options;
    private readonly ILogger<ConversationPresence> _logger;
    private readonly ITimer _expiry;
    private readonly ITimer _heartbeat;
    private ImmutableArray<Action<PresenceSignal>> _here = [];
    private DateTimeOffset _nextExpiry = DateTimeOffset.MaxValue;
    private long _order;

    public ConversationPresence(TimeProvider time, IOptions<ConversationPresenceOptions> options, ILogger<ConversationPresence> logger)
    {
        _time = time;
        _options = options.Value;
        _logger = logger;
        _expiry = time.CreateTimer(_ => Sweep(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _heartbeat = time.CreateTimer(_ => AnnounceViewersHere(), null, _options.ViewerHeartbeat, _options.ViewerHeartbeat);
    }

    public ConversationPresenceOptions Options => _options;

    public static string AgentKey(string? userId, string name) => "agent:" + (userId ?? name);

    /// <summary>This node's page views <paramref name="conversationId"/> until the handle is disposed.</summary>
    public IDisposable View(int conversationId, string userId, string name)
    {
        var key = Guid.NewGuid().ToString("N");
        Publish(new PresenceSignal(PresenceSignalKind.Viewing, conversationId, key, userId, name));
        return new Handle(() => Publish(new PresenceSignal(PresenceSignalKind.Left, conversationId, key, userId, name)));
    }

    /// <summary>An agent (or, <paramref name="isContact"/>, the customer) types in the conversation; throttled by the typist.</summary>
    public void Typing(int conversationId, string? userId, string name, bool isNote = false, bool isContact = false) =>
        Publish(new PresenceSignal(PresenceSignalKind.Typing, conversationId, isContact ? ContactKey : AgentKey(userId, name), userId, name,
            isNote, isContact));

    /// <summary>The typist sent or emptied the draft: their indicator goes at once rather than when it expires.</summary>
    public void StoppedTyping(int conversationId, string? userId, string name, bool isContact = false) =>
        Publish(new PresenceSignal(PresenceSignalKind.StoppedTyping, conversationId, isContact ? ContactKey : AgentKey(userId, name),
            userId, name, IsContact: isContact));

    /// <summary>Calls <paramref name="onChange"/> whenever who views or types in the conversation changes.</summary>
    public IDisposable Watch(int conversationId, Action onChange)
    {
        onChange = SubscriberCulture.Bind(onChange);
        lock (_gate)
        {
            var room = RoomOf(conversationId);
            room.Watchers = room.Watchers.Add(onChange);
        }

        return new Handle(() =>
        {
            lock (_gate)
            {
                if (_rooms.TryGetValue(conversationId, out var room))
                {
                    room.Watchers = room.Watchers.Remove(onChange);
                    DropIfEmpty(conversationId, room);
                }
            }
        });
    }

    public PresenceSnapshot Snapshot(int conversationId)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(conversationId, out var room) || (room.Viewers.Count == 0 && room.Typists.Count == 0))
            {
                return PresenceSnapshot.Empty;
            }

            return new PresenceSnapshot(
                room.Viewers.Values.OrderBy(v => v.Order).Select(v => new ConversationViewer(v.UserId, v.Name)).ToList(),
                room.Typists.Values.OrderBy(t => t.Order).Select(t => new ConversationTypist(t.UserId, t.Name, t.IsNote, t.IsContact)).ToList());
        }
    }

    /// <summary>Only changes made on this node: for the relay that carries them to the other nodes.</summary>
    public IDisposable SubscribeHere(Action<PresenceSignal> handler)
    {
        ImmutableInterlocked.Update(ref _here, s => s.Add(handler));
        return new Handle(() => ImmutableInterlocked.Update(ref _here, s => s.Remove(handler)));
    }

    /// <summary>A change another node made, relayed to this one.</summary>
    public void ApplyFromOtherNode(PresenceSignal signal) => Apply(signal, local: false);

    /// <summary>
    /// Tells the other nodes again who views conversations on this one: every heartbeat, and when the link to them comes
    /// back (they forgot this node's viewers meanwhile).
    /// </summary>
    public void AnnounceViewersHere()
    {
        if (_here.IsEmpty)
        {
            return;
        }

        List<PresenceSignal> viewing;
        lock (_gate)
        {
            viewing = _rooms.SelectMany(r => r.Value.Viewers.Where(v => v.Value.Local)
                    .Select(v => new PresenceSignal(PresenceSignalKind.Viewing, r.Key, v.Key, v.Value.UserId, v.Value.Name)))
                .ToList();
        }

        foreach (var signal in viewing)
        {
            Tell(_here, signal);
        }
    }

    private void Publish(PresenceSignal signal)
    {
        Apply(signal, local: true);
        Tell(_here, signal);
    }

    private void Apply(PresenceSignal signal, bool local)
    {
        var now = _time.GetUtcNow();
        ImmutableArray<Action> notify = [];
        lock (_gate)
        {
            var room = RoomOf(signal.ConversationId);
            var changed = false;
            DateTimeOffset? expires = null;
            switch (signal.Kind)
            {
                case PresenceSignalKind.Viewing when signal.UserId is not null:
                    // Pages here stay until they leave; those of other nodes until their node stops repeating them.
                    var viewerExpires = local ? DateTimeOffset.MaxValue : now + _options.ViewerExpiresAfter;
                    if (room.Viewers.TryGetValue(signal.Key, out var viewer))
                    {
                        viewer.ExpiresAt = viewerExpires;
                    }
                    else
                    {
                        room.Viewers[signal.Key] = new ViewerEntry(signal.UserId, signal.Name, local, ++_order) { ExpiresAt = viewerExpires };
                        changed = true;
                    }

                    expires = local ? null : viewerExpires;
                    break;
                case PresenceSignalKind.Left:
                    changed = room.Viewers.Remove(signal.Key);
                    break;
                case PresenceSignalKind.Typing:
                    var typingExpires = now + _options.TypingExpiresAfter;
                    if (room.Typists.TryGetValue(signal.Key, out var typist) && typist.IsNote == signal.IsNote && typist.Name == signal.Name)
                    {
                        typist.ExpiresAt = typingExpires;
                    }
                    else
                    {
                        room.Typists[signal.Key] = new TypistEntry(signal.UserId, signal.Name, signal.IsNote, signal.IsContact,
                            typist?.Order ?? ++_order) { ExpiresAt = typingExpires };
                        changed = true;
                    }

                    expires = typingExpires;
                    break;
                case PresenceSignalKind.StoppedTyping:
                    changed = room.Typists.Remove(signal.Key);
                    break;
            }

            if (expires is { } at && at < _nextExpiry)
            {
                _nextExpiry = at;
                _expiry.Change(Max(at - now, MinimumWait), Timeout.InfiniteTimeSpan);
            }

            if (changed)
            {
                notify = room.Watchers;
            }

            DropIfEmpty(signal.ConversationId, room);
        }

        Notify(notify);
    }

    /// <summary>Removes what expired and wakes again at the next expiry.</summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow();
        var notify = new List<ImmutableArray<Action>>();
        lock (_gate)
        {
            var next = DateTimeOffset.MaxValue;
            foreach (var (conversationId, room) in _rooms.ToList())
            {
                var removed = 0;
                foreach (var (key, viewer) in room.Viewers.ToList())
                {
                    if (viewer.ExpiresAt <= now)
                    {
                        room.Viewers.Remove(key);
                        removed++;
                    }
                    else if (viewer.ExpiresAt < next)
                    {
                        next = viewer.ExpiresAt;
                    }
                }

                foreach (var (key, typist) in room.Typists.ToList())
                {
                    if (typist.ExpiresAt <= now)
                    {
                        room.Typists.Remove(key);
                        removed++;
                    }
                    else if (typist.ExpiresAt < next)
                    {
                        next = typist.ExpiresAt;
                    }
                }

                if (removed > 0)
                {
                    notify.Add(room.Watchers);
                }

                DropIfEmpty(conversationId, room);
            }

            _nextExpiry = next;
            _expiry.Change(next == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : Max(next - now, MinimumWait), Timeout.InfiniteTimeSpan);
        }

        foreach (var watchers in notify)
        {
            Notify(watchers);
        }
    }

    private Room RoomOf(int conversationId)
    {
        if (!_rooms.TryGetValue(conversationId, out var room))
        {
            room = new Room();
            _rooms[conversationId] = room;
        }

        return room;
    }

    private void DropIfEmpty(int conversationId, Room room)
    {
        if (room.Viewers.Count == 0 && room.Typists.Count == 0 && room.Watchers.IsEmpty)
        {
            _rooms.Remove(conversationId);
        }
    }

    private void Notify(ImmutableArray<Action> watchers)
    {
        foreach (var watcher in watchers)
        {
            try
            {
                watcher();
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "A conversation presence watcher failed");
            }
        }
    }

    private void Tell(ImmutableArray<Action<PresenceSignal>> handlers, PresenceSignal signal)
    {
        foreach (var handler in handlers)
        {
            try
            {
                handler(signal);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Relaying a presence change failed");
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public void Dispose()
    {
        _expiry.Dispose();
        _heartbeat.Dispose();
    }

    private sealed class Room
    {
        public Dictionary<string, ViewerEntry> Viewers { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, TypistEntry> Typists { get; } = new(StringComparer.Ordinal);
        public ImmutableArray<Action> Watchers { get; set; } = [];
    }

    private sealed record ViewerEntry(string UserId, string Name, bool Local, long Order)
    {
        public DateTimeOffset ExpiresAt { get; set; }
    }

    private sealed record TypistEntry(string? UserId, string Name, bool IsNote, bool IsContact, long Order)
    {
        public DateTimeOffset ExpiresAt { get; set; }
    }

    private sealed class Handle(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                dispose();
            }
        }
    }
}

/// <summary>
/// What a typist sends: the first keystroke at once, then at most one signal per
/// <see cref="ConversationPresenceOptions.TypingSignalEvery"/> while they keep typing (a switch between reply and note at
/// once); <see cref="Stop"/> says whether an indicator may be showing and should be cleared.
/// </summary>
public sealed class TypingThrottle(TimeProvider time, TimeSpan every)
{
    private DateTimeOffset? _lastSignal;
    private bool _lastIsNote;

    /// <summary>A keystroke: true when it should be signalled.</summary>
    public bool ShouldSignal(bool isNote = false)
    {
        var now = time.GetUtcNow();
        if (_lastSignal is { } last && now - last < every && isNote == _lastIsNote)
        {
            return false;
        }

        _lastSignal = now;
        _lastIsNote = isNote;
        return true;
    }

    /// <summary>The draft was sent or emptied: true when a signal went out since the last stop (the others show it).</summary>
    public bool Stop()
    {
        var signalled = _lastSignal is not null;
        _lastSignal = null;
        return signalled;
    }
}
