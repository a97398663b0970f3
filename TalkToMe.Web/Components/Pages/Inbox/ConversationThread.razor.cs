using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Components.Pages.Inbox;

/// <summary>The open conversation: header with actions, the thread (live), the reply box and the contact panel.</summary>
public partial class ConversationThread
{
    private ConversationHeader? _header;
    private readonly List<ThreadMessage> _messages = [];
    private ContactPanel? _contact;
    private IReadOnlyList<AgentOption> _agents = [];
    private IReadOnlyList<LabelRow> _labels = [];
    private IReadOnlyList<MacroRow> _macros = [];
    private IReadOnlyList<CannedResponseRow> _canned = [];
    private Actor? _actor;
    private bool _loaded;
    private bool _showContact;
    private ElementReference _scroller;
    private IJSObjectReference? _follow;
    private bool _following;
    private string? _error;
    private IDisposable? _subscription;
    private IDisposable? _statusSubscription;
    private PresenceSnapshot _presence = PresenceSnapshot.Empty;
    private IDisposable? _presenceWatch;
    private IDisposable? _view;

    [Parameter, EditorRequired]
    public int ConversationId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private InboxLookups Lookups { get; set; } = default!;
    [Inject] private ConversationCommands Commands { get; set; } = default!;
    [Inject] private MacroRunner Macros { get; set; } = default!;
    [Inject] private LabelService LabelService { get; set; } = default!;
    [Inject] private MacroService MacroService { get; set; } = default!;
    [Inject] private CannedResponseService CannedService { get; set; } = default!;
    [Inject] private InboxEventHub Events { get; set; } = default!;
    [Inject] private Core.Agents.AgentStatusSignal Statuses { get; set; } = default!;
    [Inject] private InboxFeed Feed { get; set; } = default!;
    [Inject] private ConversationPresence Presence { get; set; } = default!;
    [Inject] private ViewingCircuitHandler Viewing { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private Core.Media.MediaDownloader Media { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private TalkToMe.Web.Agents.CircuitChannelAccess ChannelAccess { get; set; } = default!;

    // More viewers than this show as "+N": the header must still fit a phone.
    private const int MaxAvatars = 3;

    // Consecutive messages of one sender within this gap share a bubble group (one name, tighter spacing).
    private static readonly TimeSpan GroupGap = TimeSpan.FromMinutes(5);

    private AgentOption? Assignee => _agents.FirstOrDefault(a => a.Id == _header?.AssigneeId);

    private string AssigneeName => Assignee?.DisplayName ?? L["Actions.Nobody"];

    /// <summary>The other agents with this conversation open (one avatar each, however many tabs), in the order they came.</summary>
    private IReadOnlyList<ConversationViewer> OtherViewers =>
        _presence.Viewers.Where(v => v.UserId != _actor?.UserId).DistinctBy(v => v.UserId).ToList();

    /// <summary>Who types here now, but this agent: the customer first, then the other agents.</summary>
    private IReadOnlyList<ConversationTypist> OtherTypists =>
        _presence.Typists.Where(t => t.IsContact || t.UserId != _actor?.UserId).OrderBy(t => t.IsContact ? 0 : 1).ToList();

    private string TypingText(ConversationTypist typist) =>
        string.Format(L[typist.IsNote ? "Presence.WritingNote" : "Presence.Typing"], typist.IsContact ? _header?.ContactName ?? typist.Name : typist.Name);

    /// <summary>"AS" for Ana Souza: the first letters of the first and last words.</summary>
    public static string Initials(string name)
    {
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return words.Length switch
        {
            0 => "?",
            1 => words[0][..1].ToUpperInvariant(),
            _ => (words[0][..1] + words[^1][..1]).ToUpperInvariant(),
        };
    }

    private static bool Continues(ThreadMessage? previous, ThreadMessage message) =>
        previous is not null && message.Kind != Core.Messaging.MessageKind.Activity && previous.Kind == message.Kind
        && previous.Direction == message.Direction && previous.SenderType == message.SenderType && previous.SenderId == message.SenderId
        && previous.SenderName == message.SenderName && message.CreatedAt - previous.CreatedAt < GroupGap
        && previous.CreatedAt.ToLocalTime().Date == message.CreatedAt.ToLocalTime().Date;

    private string DayLabel(DateTime day)
    {
        var today = Time.GetUtcNow().UtcDateTime.ToLocalTime().Date;
        return day == today ? L["Thread.Today"] : day == today.AddDays(-1) ? L["Thread.Yesterday"] : day.ToString("D");
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The thread opens on its newest message and follows new ones unless the agent scrolled up to read (inbox.js).
        // Only once its scroller has been rendered: on Blazor Server the header can be loaded between a render and that
        // render's after-render call, and an empty element reference reaches the script as a plain object (the likely cause
        // of a two-node CI run losing its circuit to "scroller.querySelector is not a function"). Once: a second render
        // while the first call is awaited must not start a second follower.
        if (_header is not null && _scroller.Id is not null && !_following)
        {
            _following = true;
            try
            {
                _follow = await JS.InvokeAsync<IJSObjectReference>("ttmInbox.followThread", _scroller);
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        // The channels this user may see, read now: the inbox page may still be reading them on this circuit.
        await ChannelAccess.LoadAsync(user);

        // Subscribe first, so nothing published while the thread loads is missed (a re-read is idempotent). Only events of
        // channels the user may see reach this page.
        _subscription = Events.Subscribe(e =>
        {
            if (e.ConversationId == ConversationId)
            {
                _ = InvokeAsync(() => OnEventAsync(e));
            }
        }, () => ChannelAccess.Current);
        // The dots beside agents' names (assignee, picker) follow their availability live.
        _statusSubscription = Statuses.Subscribe(change => _ = InvokeAsync(() =>
        {
            if (_agents.Any(a => a.Id == change.UserId && a.Status != change.Status))
            {
                _agents = _agents.Select(a => a.Id == change.UserId ? a with { Status = change.Status } : a).ToList();
                StateHasChanged();
            }
        }));
        _actor = await Lookups.ActorAsync(user);
        _labels = await LabelService.ListAsync();
        _macros = await MacroService.ListAsync();
        _canned = await CannedService.ListAsync();
        await ResyncAsync();
        if (_header is not null)
        {
            // Only agents who may see this channel can be given the conversation.
            _agents = await Lookups.ActiveAgentsAsync(_header.ChannelId);
            JoinPresence();
            _contact = await Lookups.ContactPanelAsync(_header.ContactId, ChannelAccess.Current);
            await MarkReadIfNeededAsync();
        }
    }

    /// <summary>
    /// This agent shows as viewing, and sees who else views and types. Only once the conversation loaded: an agent who may
    /// not see it neither appears in it nor hears of it.
    /// </summary>
    private void JoinPresence()
    {
        _presenceWatch ??= Presence.Watch(ConversationId, () => _ = InvokeAsync(() =>
        {
            _presence = Presence.Snapshot(ConversationId);
            StateHasChanged();
        }));
        _presence = Presence.Snapshot(ConversationId);
        if (_actor?.UserId is { } userId)
        {
            _view ??= Viewing.Open(ConversationId, userId, _actor.Name);
        }
    }

    /// <summary>
    /// Re-reads the header and the whole thread: on open, after a reconnect or the tab waking up, and when the user's
    /// channels changed. A conversation in a channel the user may not see reads as not found.
    /// </summary>
    public async Task ResyncAsync()
    {
        var scope = ChannelAccess.Current;
        _header = await Lookups.HeaderAsync(ConversationId, scope);
        IReadOnlyList<ThreadMessage> messages = _header is null ? [] : await Lookups.MessagesAsync(ConversationId, 0, scope);
        if (_header is null)
        {
            // No longer theirs to see (their channels changed): they stop showing as viewing it too.
            _view?.Dispose();
            _view = null;
        }

        _messages.Clear();
        _messages.AddRange(messages);
        _loaded = true;
    }

    // Every circuit showing this conversation gets the same event: the message and the header are read once for all of them.
    private async Task OnEventAsync(InboxEvent inboxEvent)
    {
        switch (inboxEvent)
        {
            case MessageAdded:
                if (await Feed.MessageAsync(inboxEvent) is { } added && _messages.All(m => m.Id != added.Id))
                {
                    // Kept in id order even if two events overtake each other.
                    var at = _messages.FindLastIndex(m => m.Id < added.Id);
                    _messages.Insert(at + 1, added);
                }

                _header = await Feed.HeaderAsync(inboxEvent);
                await MarkReadIfNeededAsync();
                break;
            case MessageUpdated updated:
                var changed = await Feed.MessageAsync(inboxEvent);
                var index = _messages.FindIndex(m => m.Id == updated.MessageId);
                if (changed is not null && index >= 0)
                {
                    _messages[index] = changed;
                }

                break;
            default:
                _header = await Feed.HeaderAsync(inboxEvent);
                break;
        }

        StateHasChanged();
    }

    private async Task MarkReadIfNeededAsync()
    {
        if (_header is { UnreadCount: > 0 })
        {
            await Commands.MarkReadAsync(ConversationId, _actor!);
        }
    }

    private Task AssignAsync(string? agentId) => RunAsync(() => Commands.AssignAsync(ConversationId, _actor!, agentId));

    private Task PriorityAsync(ConversationPriority priority) => RunAsync(() => Commands.SetPriorityAsync(ConversationId, _actor!, priority));

    private Task ResolveAsync() => RunAsync(() => Commands.ResolveAsync(ConversationId, _actor!));

    private Task ReopenAsync() => RunAsync(() => Commands.ReopenAsync(ConversationId, _actor!));

    private Task SnoozeAsync(string choice)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        DateTime? until = choice switch
        {
            "tomorrow" => now.Date.AddDays(1).AddHours(12),
            "week" => now.Date.AddDays(7).AddHours(12),
            { } minutes when int.TryParse(minutes, out var m) => now.AddMinutes(m),
            _ => null,
        };
        return until is { } at ? RunAsync(() => Commands.SnoozeAsync(ConversationId, _actor!, at)) : Task.CompletedTask;
    }

    private Task AddLabelAsync(int labelId) => RunAsync(() => Commands.AddLabelAsync(ConversationId, _actor!, labelId));

    private Task RemoveLabelAsync(int labelId) => RunAsync(() => Commands.RemoveLabelAsync(ConversationId, _actor!, labelId));

    private Task RunMacroAsync(int macroId) => RunAsync(() => Macros.RunAsync(ConversationId, _actor!, macroId));

    private Task RetryAsync(long messageId) => RunAsync(() => Commands.RetryAsync(messageId, _actor!));

    /// <summary>"Tentar novamente" on a file that could not be fetched: the thread hears the outcome like any update.</summary>
    private Task RetryMediaAsync(long attachmentId) => RunAsync(() => Media.RetryAsync(attachmentId, ChannelAccess.Current));

    private async Task MarkUnreadAsync()
    {
        await RunAsync(() => Commands.MarkUnreadAsync(ConversationId, _actor!));
        if (_error is null)
        {
            // Staying on the conversation would mark it read again at the next message.
            Navigation.NavigateTo("/");
        }
    }

    /// <summary>The change itself arrives back through the event hub; here only a refusal is shown.</summary>
    private async Task RunAsync(Func<Task> action)
    {
        _error = null;
        try
        {
            await action();
        }
        catch (ConversationRuleException ex)
        {
            _error = ex.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        _statusSubscription?.Dispose();
        _view?.Dispose();
        _presenceWatch?.Dispose();
        if (_follow is not null)
        {
            try
            {
                await _follow.InvokeVoidAsync("dispose");
                await _follow.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The browser is gone: nothing to unhook.
            }
        }
    }
}
