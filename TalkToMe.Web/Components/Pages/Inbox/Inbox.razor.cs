using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Components.Pages.Inbox;

public partial class Inbox
{
    private readonly List<ConversationListItem> _items = [];
    private InboxFilter _filter = new();
    private InboxCursor? _next;
    private bool _loaded;
    private DateTime _now;
    private IDisposable? _subscription;

    [Parameter]
    public int? ConversationId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private InboxQuery Query { get; set; } = default!;

    [Inject]
    private InboxEventHub Events { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

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
        await ReloadAsync();
        _subscription = Events.Subscribe(e => _ = InvokeAsync(() => OnEventAsync(e)));
    }

    private async Task ChangeFilterAsync(InboxFilter filter)
    {
        _filter = filter;
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _now = Time.GetUtcNow().UtcDateTime;
        var page = await Query.ListAsync(_filter);
        _items.Clear();
        _items.AddRange(page.Items);
        _next = page.Next;
        _loaded = true;
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
        var item = await Query.FindAsync(inboxEvent.ConversationId, _filter);
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
        }

        _now = Time.GetUtcNow().UtcDateTime;
        StateHasChanged();
    }

    public void Dispose() => _subscription?.Dispose();
}
