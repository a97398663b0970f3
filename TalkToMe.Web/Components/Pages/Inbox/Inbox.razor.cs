using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Components.Pages.Inbox;

public partial class Inbox
{
    private static readonly TimeSpan CountsDebounce = TimeSpan.FromSeconds(1);

    private readonly List<ConversationListItem> _items = [];
    private InboxFilter _filter = new();
    private InboxCursor? _next;
    private bool _loaded;
    private DateTime _now;
    private IDisposable? _subscription;
    private IReadOnlyDictionary<ConversationStatus, int> _counts = new Dictionary<ConversationStatus, int>();
    private int _countsScheduled;
    private IReadOnlyList<ChannelOption> _channels = [];
    private IReadOnlyList<NamedOption> _groups = [];
    private IReadOnlyList<LabelRow> _labels = [];
    private string? _search;
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
    [Inject] private InboxEventHub Events { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private InboxCircuitHandler Circuit { get; set; } = default!;

    private string Title
    {
        get
        {
            var unread = _items.Sum(i => i.UnreadCount);
            return unread > 0 ? $"({unread}) {L["Inbox.Title"]} · TalkToMe" : $"{L["Inbox.Title"]} · TalkToMe";
        }
    }

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _filter = _filter with { CurrentAgentId = user.FindFirstValue(ClaimTypes.NameIdentifier) };
        // Subscribe before the first read: an event racing the read is applied on top (re-reading one row is idempotent).
        _subscription = Events.Subscribe(e => _ = InvokeAsync(() => OnEventAsync(e)));
        Circuit.Reconnected += OnReconnectedAsync;
        await ReloadAsync();
        _channels = await Lookups.ChannelsAsync();
        _groups = await Lookups.ChannelGroupsAsync();
        _labels = await LabelService.ListAsync();
    }

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
        _filter = filter;
        await ReloadAsync();
    }

    private async Task ChangeAssigneeAsync(AssigneeFilter assignee)
    {
        _filter = _filter with { Assignee = assignee };
        await ReloadAsync();
    }

    private Task SearchAsync() => ChangeFilterAsync(_filter with { Search = string.IsNullOrWhiteSpace(_search) ? null : _search.Trim() });

    private static int? ParseId(ChangeEventArgs e) => int.TryParse(e.Value as string, out var id) ? id : null;

    private async Task ToggleSoundAsync(ChangeEventArgs e)
    {
        _sound = e.Value is true;
        await JS.InvokeVoidAsync("ttmInbox.setSound", _sound);
    }

    private async Task ReloadAsync()
    {
        _now = Time.GetUtcNow().UtcDateTime;
        var page = await Query.ListAsync(_filter);
        _items.Clear();
        _items.AddRange(page.Items);
        _next = page.Next;
        _loaded = true;
        _counts = await Lookups.CountsAsync(_filter.Assignee, _filter.CurrentAgentId);
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
    }

    // One changed conversation is re-read on its own and moved into place: never a reload of the whole list.
    private async Task OnEventAsync(InboxEvent inboxEvent)
    {
        if (_disposed)
        {
            return;
        }

        var item = await Query.FindForEventAsync(inboxEvent, _filter);
        var previous = _items.Find(i => i.Id == inboxEvent.ConversationId);
        _items.RemoveAll(i => i.Id == inboxEvent.ConversationId);
        if (item is not null)
        {
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

            if (_sound && inboxEvent is MessageAdded && item.AssigneeId == _filter.CurrentAgentId && item.AssigneeId is not null
                && item.UnreadCount > (previous?.UnreadCount ?? 0))
            {
                await JS.InvokeVoidAsync("ttmInbox.playSound");
            }
        }

        _now = Time.GetUtcNow().UtcDateTime;
        ScheduleCounts();
        StateHasChanged();
    }

    /// <summary>Tab counts follow events at most once a second, however many messages arrive.</summary>
    private void ScheduleCounts()
    {
        if (Interlocked.Exchange(ref _countsScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Delay(CountsDebounce).ContinueWith(_ => InvokeAsync(async () =>
        {
            Interlocked.Exchange(ref _countsScheduled, 0);
            if (_disposed)
            {
                return;
            }

            _counts = await Lookups.CountsAsync(_filter.Assignee, _filter.CurrentAgentId);
            StateHasChanged();
        }), TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _subscription?.Dispose();
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
