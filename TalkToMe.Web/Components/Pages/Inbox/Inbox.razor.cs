using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Conversations.Search;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Components.Pages.Inbox;

public partial class Inbox
{
    private static readonly TimeSpan CountsDebounce = TimeSpan.FromSeconds(1);

    private readonly List<ConversationListItem> _items = [];

    // How many rows the agent asked to see: a page, plus one per "Carregar mais". Live arrivals push the oldest rows out
    // of this window (they stay reachable through "Carregar mais"), so a page open all day keeps a list of this size.
    private int _window = InboxQuery.DefaultPageSize;
    private InboxFilter _filter = new();
    private SearchTerms? _searchTerms;
    private InboxCursor? _next;
    private bool _loaded;
    private DateTime _now;
    private IDisposable? _subscription;
    private IDisposable? _resyncSubscription;
    private IReadOnlyDictionary<ConversationStatus, int> _counts = new Dictionary<ConversationStatus, int>();
    private int _countsScheduled;
    private long _countsVersion;
    private readonly Lock _pendingGate = new();
    private List<InboxRowChange>? _pending;
    private bool _applying;
    private IReadOnlyList<ChannelOption> _channels = [];
    private IReadOnlyList<NamedOption> _groups = [];
    private IReadOnlyList<LabelRow> _labels = [];
    private bool _showNew;
    private bool _sound;
    private ConversationThread? _thread;
    private DotNetObjectReference<Inbox>? _self;
    private IJSObjectReference? _visibilityWatch;
    private bool _disposed;

    // Set once the circuit is live: prerendered markup is not clickable yet (tests and benchmarks wait for it).
    private bool _interactive;

    [Parameter]
    public int? ConversationId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private InboxQuery Query { get; set; } = default!;
    [Inject] private InboxLookups Lookups { get; set; } = default!;
    [Inject] private LabelService LabelService { get; set; } = default!;
    [Inject] private InboxFeed Feed { get; set; } = default!;
    [Inject] private InboxEventHub Events { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private InboxCircuitHandler Circuit { get; set; } = default!;
    [Inject] private TalkToMe.Web.Agents.CircuitChannelAccess ChannelAccess { get; set; } = default!;

    // The tab's title shows the list's unread total. Live arrivals update it with the tab counts, at most once a second, not
    // per message: with the title following every message, the push benchmark measured the browser process at 1.2–1.6 ms
    // of CPU per message instead of 0.5 and the rows reaching the DOM 2–3 times later (docs/BENCHMARKS.md, session 22).
    private int _titleUnread;

    private string Title => _titleUnread > 0 ? $"({_titleUnread}) {L["Inbox.Title"]} · TalkToMe" : $"{L["Inbox.Title"]} · TalkToMe";

    private int UnreadTotal() => _items.Sum(i => i.UnreadCount);

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        // The channels this user may see, from the server's rule: every read and live row of this page is limited to them.
        var scope = await ChannelAccess.LoadAsync(user);
        _filter = _filter with { CurrentAgentId = user.FindFirstValue(ClaimTypes.NameIdentifier), Channels = scope };
        ChannelAccess.Changed += OnChannelsChanged;
        // Subscribe before the first read: a change racing the read is applied on top (replacing one row is idempotent).
        _subscription = Feed.Subscribe(OnRowsChanged, () => ChannelAccess.Current);
        Circuit.Reconnected += OnReconnectedAsync;
        // This node's link to the other nodes came back: events may have been missed meanwhile.
        _resyncSubscription = Events.SubscribeResync(() =>
        {
            if (!_disposed)
            {
                _ = ResyncAsync();
            }
        });
        await ReloadAsync();
        await LoadOptionsAsync();
        _labels = await LabelService.ListAsync();
    }

    private async Task LoadOptionsAsync()
    {
        _channels = await Lookups.ChannelsAsync(_filter.Channels);
        _groups = await Lookups.ChannelGroupsAsync(_filter.Channels);
    }

    /// <summary>An admin changed the channels this user may see: list, counts, filters and the open thread follow at once.</summary>
    private void OnChannelsChanged() => _ = InvokeAsync(async () =>
    {
        if (_disposed)
        {
            return;
        }

        var scope = ChannelAccess.Current;
        // A channel filter the user may no longer see would show nothing: back to all their channels.
        var channelId = _filter.ChannelId is { } id && scope.Allows(id) ? _filter.ChannelId : null;
        _filter = _filter with { Channels = scope, ChannelId = channelId };
        await ReloadAsync();
        await LoadOptionsAsync();
        if (_thread is not null)
        {
            await _thread.ResyncAsync();
        }

        StateHasChanged();
    });

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            _visibilityWatch = await JS.InvokeAsync<IJSObjectReference>("ttmInbox.watchVisibility", _self);
            _sound = await JS.InvokeAsync<bool>("ttmInbox.soundEnabled");
            _interactive = true;
            StateHasChanged();
        }
    }

    /// <summary>Called by the browser when the tab becomes visible or the network comes back.</summary>
    [JSInvokable]
    public Task ResyncAsync() => InvokeAsync(async () =>
    {
        await ReloadAsync();
        if (_thread is not null)
        {
            await _thread.ResyncAsync();
        }

        StateHasChanged();
    });

    private Task OnReconnectedAsync() => ResyncAsync();

    private async Task ChangeFilterAsync(InboxFilter filter)
    {
        // The channels always come from the server's rule, whatever filter the header hands back.
        _filter = filter with { Channels = ChannelAccess.Current, CurrentAgentId = _filter.CurrentAgentId };
        _searchTerms = SearchTerms.Parse(filter.Search) is { IsEmpty: false } terms ? terms : null;
        await ReloadAsync();
    }

    private async Task ToggleSoundAsync(bool on)
    {
        _sound = on;
        await JS.InvokeVoidAsync("ttmInbox.setSound", _sound);
    }

    // The dialog hands focus back to the button that opened it (keyboard users stay where they were).
    private async Task CloseNewAsync()
    {
        _showNew = false;
        StateHasChanged();
        await JS.InvokeVoidAsync("ttmInbox.focus", "[data-testid=new-conversation-button]");
    }

    private async Task ReloadAsync()
    {
        _now = Time.GetUtcNow().UtcDateTime;
        var page = await Query.ListAsync(_filter);
        _items.Clear();
        _items.AddRange(page.Items);
        _next = page.Next;
        _window = InboxQuery.DefaultPageSize;
        _loaded = true;
        _titleUnread = UnreadTotal();
        _counts = await Feed.CountsAsync(_filter.Assignee, _filter.CurrentAgentId, Feed.Version, _filter.Channels);
    }

    private async Task LoadMoreAsync()
    {
        if (_next is null)
        {
            return;
        }

        var page = await Query.ListAsync(_filter, _next);
        _items.AddRange(page.Items.Where(i => _items.All(existing => existing.Id != i.Id)));
        _next = page.Next;
        _window = Math.Max(_window + InboxQuery.DefaultPageSize, _items.Count);
        _titleUnread = UnreadTotal();
    }

    /// <summary>
    /// Called on the feed's thread: queue the rows and apply them on the circuit. When no apply is running one starts at
    /// once; what arrives while it runs (a read awaited, a render) is applied, all together, by the same run next.
    /// </summary>
    private void OnRowsChanged(IReadOnlyList<InboxRowChange> changes)
    {
        lock (_pendingGate)
        {
            (_pending ??= []).AddRange(changes);
            if (_applying)
            {
                return;
            }

            _applying = true;
        }

        _ = InvokeAsync(ApplyPendingAsync);
    }

    // Changed conversations are moved into place in the list the page holds: never a reload of the whole list, and one
    // render for everything that arrived since the last one. One run at a time: a read awaited here (a filter that needs
    // one) must not let a later change of the same row be placed first and then be overwritten by this older read.
    private async Task ApplyPendingAsync()
    {
        while (true)
        {
            List<InboxRowChange>? changes;
            lock (_pendingGate)
            {
                changes = _pending;
                _pending = null;
                if (_disposed || changes is null)
                {
                    _applying = false;
                    return;
                }
            }

            try
            {
                await ApplyAsync(changes);
            }
            catch
            {
                lock (_pendingGate)
                {
                    _applying = false;
                }

                throw;
            }
        }
    }

    private async Task ApplyAsync(List<InboxRowChange> changes)
    {
        var ring = false;
        // The last change of a conversation wins; earlier ones in the same batch are older reads of the same row.
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (changes.FindIndex(i + 1, c => c.ConversationId == change.ConversationId) >= 0)
            {
                continue;
            }

            var item = await Query.FindForChangeAsync(change, _filter);
            ring |= Place(change.ConversationId, item, change.HasNewMessage);
        }

        _now = Time.GetUtcNow().UtcDateTime;
        ScheduleCounts();
        StateHasChanged();
        if (ring)
        {
            // Not awaited: the next changes need not wait for the browser to start a sound.
            _ = PlaySoundAsync();
        }
    }

    private async Task PlaySoundAsync()
    {
        try
        {
            await JS.InvokeVoidAsync("ttmInbox.playSound");
        }
        catch (JSDisconnectedException)
        {
            // The page is gone.
        }
    }

    /// <summary>Puts the row where its last activity sorts it (or removes it); true when it should ring.</summary>
    private bool Place(int conversationId, ConversationListItem? item, bool hasNewMessage)
    {
        var at = _items.FindIndex(i => i.Id == conversationId);
        var previous = at >= 0 ? _items[at] : null;
        if (at >= 0)
        {
            _items.RemoveAt(at);
        }

        if (item is null)
        {
            return false;
        }

        var index = _items.FindIndex(i => i.LastActivityAt < item.LastActivityAt
            || (i.LastActivityAt == item.LastActivityAt && i.Id < item.Id));
        if (index >= 0)
        {
            _items.Insert(index, item);
        }
        else if (_next is null)
        {
            _items.Add(item);
        }

        if (_items.Count > _window)
        {
            _items.RemoveAt(_items.Count - 1);
            _next = _items[^1].Cursor;
        }

        return _sound && hasNewMessage && item.AssigneeId == _filter.CurrentAgentId && item.AssigneeId is not null
            && item.UnreadCount > (previous?.UnreadCount ?? 0);
    }

    /// <summary>Tab counts and the title follow events at most once a second, however many messages arrive.</summary>
    private void ScheduleCounts()
    {
        _countsVersion = Feed.Version;
        if (Interlocked.Exchange(ref _countsScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Delay(CountsDebounce, Time).ContinueWith(_ => InvokeAsync(async () =>
        {
            Interlocked.Exchange(ref _countsScheduled, 0);
            if (_disposed)
            {
                return;
            }

            // Every open page that saw the same events shares one computation of the counts.
            var counts = await Feed.CountsAsync(_filter.Assignee, _filter.CurrentAgentId, _countsVersion, _filter.Channels);
            var unread = UnreadTotal();
            if (!CountsEqual(counts, _counts) || unread != _titleUnread)
            {
                _counts = counts;
                _titleUnread = unread;
                StateHasChanged();
            }
        }), TaskScheduler.Default);
    }

    private static bool CountsEqual(IReadOnlyDictionary<ConversationStatus, int> a, IReadOnlyDictionary<ConversationStatus, int> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var n) && n == p.Value);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _subscription?.Dispose();
        _resyncSubscription?.Dispose();
        ChannelAccess.Changed -= OnChannelsChanged;
        Circuit.Reconnected -= OnReconnectedAsync;
        if (_visibilityWatch is not null)
        {
            try
            {
                await _visibilityWatch.InvokeVoidAsync("dispose");
                await _visibilityWatch.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The browser is gone: nothing to unhook.
            }
        }

        _self?.Dispose();
    }
}
