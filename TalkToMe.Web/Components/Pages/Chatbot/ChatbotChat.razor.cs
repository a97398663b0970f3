using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Components.Pages.Chatbot;

/// <summary>
/// The Chatbot channel's test chat: an admin talks to the channel's flows exactly as a customer would. Messages go
/// through the inbound pipeline under a test identity; replies arrive through the event hub, no polling.
/// </summary>
public sealed partial class ChatbotChat : IDisposable
{
    private const string TestIdentityPrefix = "teste:";

    private IReadOnlyList<Message> _messages = [];
    private Dictionary<string, string> _errors = [];
    private IDisposable? _subscription;
    private string? _channelName;
    private string? _problem;
    private string? _status;
    private string _text = "";
    private string _externalId = "";
    private string _userName = "";
    private int? _conversationId;

    [Parameter]
    public int ChannelId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private IDbContextFactory<TalkToMeDbContext> DbFactory { get; set; } = default!;

    [Inject]
    private InboundWriter Inbound { get; set; } = default!;

    [Inject]
    private InboxEventHub Events { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        var user = (await AuthenticationState).User;
        var userId = user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "admin";
        _userName = user.Identity?.Name ?? "Admin";

        await using var db = await DbFactory.CreateDbContextAsync();
        var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == ChannelId && c.DeletedAt == null);
        _channelName = channel?.Name;
        _problem = channel switch
        {
            null => L["Chatbot.NotFound"].Value,
            { Type: not ChannelType.Chatbot } => L["Chatbot.NotChatbot"].Value,
            { IsActive: false } => L["Chatbot.Inactive"].Value,
            _ => null,
        };
        if (_problem is not null)
        {
            return;
        }

        // Continue this admin's latest test conversation on the channel, if any.
        var prefix = $"{TestIdentityPrefix}{userId}:";
        var latest = await db.Conversations.AsNoTracking()
            .Where(c => c.ChannelId == ChannelId && c.ContactIdentity.ExternalId.StartsWith(prefix))
            .OrderByDescending(c => c.Id)
            .Select(c => new { c.Id, c.ContactIdentity.ExternalId })
            .FirstOrDefaultAsync();
        _externalId = latest?.ExternalId ?? prefix + Guid.NewGuid().ToString("N")[..8];
        _conversationId = latest?.Id;

        _subscription ??= Events.Subscribe(OnEvent);
        await LoadAsync();
    }

    private void OnEvent(InboxEvent e)
    {
        if (_conversationId is { } id && e.ConversationId == id)
        {
            _ = InvokeAsync(async () =>
            {
                await LoadAsync();
                StateHasChanged();
            });
        }
    }

    private async Task LoadAsync()
    {
        if (_conversationId is not { } id)
        {
            _messages = [];
            _status = null;
            return;
        }

        await using var db = await DbFactory.CreateDbContextAsync();
        _messages = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == id && m.Kind != MessageKind.PrivateNote)
            .OrderBy(m => m.Id)
            .ToListAsync();
        var status = await db.Conversations.AsNoTracking().Where(c => c.Id == id).Select(c => c.Status).FirstAsync();
        _status = status switch
        {
            ConversationStatus.Open => L["Chatbot.StatusOpen"].Value,
            ConversationStatus.Pending => L["Chatbot.StatusPending"].Value,
            ConversationStatus.Snoozed => L["Chatbot.StatusSnoozed"].Value,
            _ => L["Chatbot.StatusResolved"].Value,
        };
    }

    private async Task SendAsync()
    {
        var text = _text.Trim();
        if (text.Length == 0)
        {
            _errors = new Dictionary<string, string> { ["Text"] = L["Chatbot.EmptyMessage"].Value };
            return;
        }

        _errors = [];
        var result = await Inbound.ReceiveAsync(new InboundMessage(ChannelId, _externalId, $"{_userName} (teste)",
            Guid.NewGuid().ToString("N"), text));
        if (result.Outcome != InboundOutcome.Accepted)
        {
            _errors = new Dictionary<string, string> { ["Text"] = L["Chatbot.Inactive"].Value };
            return;
        }

        _text = "";
        _conversationId = result.ConversationId;
        await LoadAsync();
    }

    /// <summary>A fresh test identity: the next message starts a new conversation, so the entry flow runs again.</summary>
    private async Task RestartAsync()
    {
        var user = (await AuthenticationState).User;
        var userId = user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "admin";
        _externalId = $"{TestIdentityPrefix}{userId}:{Guid.NewGuid().ToString("N")[..8]}";
        _conversationId = null;
        await LoadAsync();
    }

    private static string CssFor(Message message) => message.Kind == MessageKind.Activity ? "ttm-chat-activity"
        : message.Direction == MessageDirection.Incoming ? "ttm-chat-mine" : "ttm-chat-bot";

    public void Dispose() => _subscription?.Dispose();
}
