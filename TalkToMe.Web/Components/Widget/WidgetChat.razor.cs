using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.JSInterop;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Web.Endpoints;
using TalkToMe.Web.Widget;

namespace TalkToMe.Web.Components.Widget;

/// <summary>
/// The chat page the widget's iframe shows: the visitor sees only their own conversation (customer-visible messages,
/// never notes or activity lines), sends through the inbound pipeline, and receives agent replies pushed live.
/// </summary>
public partial class WidgetChat
{
    public const int MaxLength = 5000;

    /// <summary>The largest file a visitor may send (the store's own limit, if lower, wins).</summary>
    public const long MaxFileBytes = 25L * 1024 * 1024;

    /// <summary>Files a visitor picks at once; each goes as a message of its own.</summary>
    public const int MaxFilesAtOnce = 5;

    private enum WidgetState
    {
        Loading,
        NotFound,
        OriginRefused,
        IdentityRefused,
        Unavailable,
        Ready,
    }

    private WidgetState _state = WidgetState.Loading;
    private int _channelId;
    private string _color = "#3949ab", _title = "", _welcome = "";
    private string? _replyTime;
    private Visitor? _visitor;
    private string? _verifiedIdentifier;
    private List<Message> _messages = [];

    // The files of the visitor's messages and of the agents' replies, by message; each with its link for this visitor.
    private Dictionary<long, List<WidgetFile>> _files = [];
    private readonly Dictionary<long, string> _links = [];
    private ElementReference _input;
    private HashSet<int> _conversationIds = [];
    private string _draft = "";
    private string? _error;
    private bool _sending;

    // The visitor's conversation waits for an "Avaliação": the chat offers five buttons besides the text box.
    private bool _ratingPending;

    // Until the circuit is up (and the visitor known) the page is a prerendered picture: typing would go nowhere.
    private bool _ready;
    private IDisposable? _subscription;

    // Typing both ways, on the visitor's latest conversation: theirs shows to the agents, the agents' replies to them.
    private TypingThrottle? _typing;
    private string? _justSent;
    private int? _typingIn;
    private IDisposable? _presenceWatch;
    private int? _watched;
    private IReadOnlyList<string> _agentsTyping = [];
    private readonly string _circuitKey = Guid.NewGuid().ToString("N");

    [Parameter]
    public string PublicKey { get; set; } = "";

    [SupplyParameterFromQuery(Name = "origin")]
    private string? Origin { get; set; }

    [SupplyParameterFromQuery(Name = "identifier")]
    private string? Identifier { get; set; }

    [SupplyParameterFromQuery(Name = "identifier_hash")]
    private string? IdentifierHash { get; set; }

    [SupplyParameterFromQuery(Name = "name")]
    private string? VisitorName { get; set; }

    [SupplyParameterFromQuery(Name = "email")]
    private string? VisitorEmail { get; set; }

    [Inject] private IDbContextFactory<TalkToMeDbContext> DbFactory { get; set; } = default!;
    [Inject] private InboundWriter Inbound { get; set; } = default!;
    [Inject] private InboxEventHub Events { get; set; } = default!;
    [Inject] private VisitorTokens Tokens { get; set; } = default!;
    [Inject] private WidgetRateLimiter RateLimiter { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private ConversationPresence Presence { get; set; } = default!;
    [Inject] private SignedMediaLinks MediaLinks { get; set; } = default!;
    [Inject] private IMediaStore MediaStore { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<MediaOptions> MediaOptions { get; set; } = default!;

    private string StorageKey => $"ttm_visitor_{PublicKey}";

    private string VisitorDisplayName => string.IsNullOrWhiteSpace(VisitorName) ? "Visitante do site" : VisitorName.Trim();

    /// <summary>The conversation the visitor is in: their newest one (a first message starts one; until then nobody watches).</summary>
    private int? LatestConversationId => _conversationIds.Count > 0 ? _conversationIds.Max() : null;

    protected override async Task OnInitializedAsync()
    {
        var found = await WidgetEndpoints.FindWebsiteChannelAsync(DbFactory, PublicKey);
        if (found is not { } widget)
        {
            _state = WidgetState.NotFound;
            return;
        }

        var (channel, settings) = widget;
        _channelId = channel.Id;
        _color = settings.WidgetColor;
        _title = settings.WelcomeTitle;
        _welcome = settings.WelcomeText;
        _replyTime = TalkToMe.Core.Hours.ReplyTime.Text(channel.GetBusinessHours(), Time.GetUtcNow().UtcDateTime);

        if (!WebsiteIdentity.IsAllowedOrigin(settings, Origin))
        {
            _state = WidgetState.OriginRefused;
            return;
        }

        if (WebsiteIdentity.Verify(settings, Identifier, IdentifierHash))
        {
            _verifiedIdentifier = Identifier;
        }
        else if (settings.RequireIdentityVerification || !string.IsNullOrEmpty(IdentifierHash))
        {
            _state = WidgetState.IdentityRefused;
            return;
        }

        _state = channel.CanReceive ? WidgetState.Ready : WidgetState.Unavailable;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Storage exists only in the browser: the visitor is known once the circuit is up.
        if (!firstRender || _state != WidgetState.Ready)
        {
            return;
        }

        if (_verifiedIdentifier is not null)
        {
            _visitor = new Visitor(_channelId, "id:" + _verifiedIdentifier);
        }
        else
        {
            var token = await JS.InvokeAsync<string?>("localStorage.getItem", StorageKey);
            _visitor = Tokens.Read(token, _channelId);
        }

        _subscription = Events.Subscribe(OnEvent);
        await LoadAsync();
        _ready = true;
        StateHasChanged();
        await JS.InvokeVoidAsync("ttmInbox.forwardFiles", _input, "ttm-widget-file");
    }

    private void OnEvent(InboxEvent inboxEvent)
    {
        if (_visitor is not null && _conversationIds.Contains(inboxEvent.ConversationId)
            && inboxEvent is MessageAdded or MessageUpdated)
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
        if (_visitor is null)
        {
            _messages = [];
            return;
        }

        await using var db = await DbFactory.CreateDbContextAsync();
        _messages = await db.Messages.AsNoTracking()
            .Where(m => m.ChannelId == _channelId && m.Kind == MessageKind.Text
                && m.Conversation.ContactIdentity.ExternalId == _visitor.ExternalId)
            .OrderBy(m => m.Id)
            .ToListAsync();
        _conversationIds = _messages.Select(m => m.ConversationId).ToHashSet();
        var messageIds = _messages.Select(m => m.Id).ToList();
        var files = await db.Attachments.AsNoTracking()
            .Where(a => messageIds.Contains(a.MessageId) && a.State == MediaState.Ready && a.Sha256 != null)
            .OrderBy(a => a.Id)
            .Select(a => new { a.Id, a.MessageId, a.ConversationId, a.Kind, a.ContentType, a.FileName, a.Size })
            .ToListAsync();
        // A link is made once per file for this page: a re-render keeps the same address, so nothing loads twice.
        _files = files.GroupBy(f => f.MessageId).ToDictionary(g => g.Key, g => g.Select(f => new WidgetFile(f.Kind, f.ContentType, f.FileName, f.Size,
            _links.TryGetValue(f.Id, out var link) ? link : _links[f.Id] = MediaLinks.ForVisitor(f.Id, f.ConversationId))).ToList());
        WatchPresence();
        var waiting = await db.Conversations.AsNoTracking()
            .Where(c => c.ChannelId == _channelId && c.ContactIdentity.ExternalId == _visitor.ExternalId && c.FlowId != null && c.FlowStepIndex >= 0)
            .OrderByDescending(c => c.Id).Select(c => new { c.FlowId, c.FlowStepIndex }).FirstOrDefaultAsync();
        _ratingPending = waiting is not null
            && (await db.FlowSteps.AsNoTracking().Where(s => s.FlowId == waiting.FlowId).OrderBy(s => s.Position).Select(s => s.Type).ToListAsync())
                .ElementAtOrDefault(waiting.FlowStepIndex!.Value) == TalkToMe.Core.Flows.FlowStepType.Rating;
    }

    /// <summary>The visitor typed: the agents with the conversation open see "digitando…", at most one signal per few seconds.</summary>
    private void DraftChanged()
    {
        // Enter sends on keydown, and the textarea still inserts its newline: that input event can reach the server after
        // the send cleared the draft. It is the message just sent, not new typing: it must neither come back into the box
        // nor tell the agents the visitor is typing again.
        if (_justSent is not null && _draft.Trim() == _justSent)
        {
            _draft = "";
            _justSent = null;
            return;
        }

        _justSent = null;
        if (string.IsNullOrWhiteSpace(_draft))
        {
            StopTyping();
            return;
        }

        if (LatestConversationId is not { } conversationId)
        {
            return;
        }

        _typing ??= new TypingThrottle(Time, Presence.Options.TypingSignalEvery);
        if (_typingIn != conversationId)
        {
            StopTyping();
            _typingIn = conversationId;
        }

        if (_typing.ShouldSignal())
        {
            Presence.Typing(conversationId, null, VisitorDisplayName, isContact: true);
        }
    }

    private void StopTyping()
    {
        if (_typing?.Stop() == true && _typingIn is { } conversationId)
        {
            Presence.StoppedTyping(conversationId, null, VisitorDisplayName, isContact: true);
        }
    }

    private void WatchPresence()
    {
        var conversationId = LatestConversationId;
        if (conversationId == _watched)
        {
            return;
        }

        _presenceWatch?.Dispose();
        _watched = conversationId;
        _presenceWatch = conversationId is { } id
            ? Presence.Watch(id, () => _ = InvokeAsync(() =>
            {
                ReadAgentsTyping();
                StateHasChanged();
            }))
            : null;
        ReadAgentsTyping();
    }

    // Replies only: a private note is never the customer's business, not even that one is being written.
    private void ReadAgentsTyping() => _agentsTyping = _watched is { } id
        ? Presence.Snapshot(id).Typists.Where(t => !t.IsContact && !t.IsNote).Select(t => t.Name).Distinct().ToList()
        : [];

    /// <summary>A rating button sends its score as the visitor's answer, as typing it would.</summary>
    private async Task RateAsync(int score)
    {
        _draft = score.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendAsync();
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e is { Key: "Enter", ShiftKey: false })
        {
            await SendAsync();
        }
    }

    private async Task SendAsync()
    {
        var text = _draft.Trim();
        if (text.Length == 0 || _sending)
        {
            return;
        }

        if (text.Length > MaxLength)
        {
            _error = $"A mensagem pode ter no máximo {MaxLength} caracteres.";
            return;
        }

        if (!RateLimiter.TryAcquire(_visitor?.ExternalId ?? _circuitKey))
        {
            _error = "Muitas mensagens em pouco tempo. Aguarde alguns segundos.";
            return;
        }

        _sending = true;
        _error = null;
        try
        {
            if (await ReceiveAsync(text, []))
            {
                // Only if nothing was typed meanwhile (the Enter's newline may already have arrived: same text).
                _justSent = text;
                _draft = "";
                StopTyping();
            }
        }
        finally
        {
            _sending = false;
        }
    }

    /// <summary>
    /// Files the visitor picked: each is stored and goes to the agents as a message of its own, shown in the chat at once.
    /// A file over the limit is named and left out; the others still go.
    /// </summary>
    private async Task SendFilesAsync(InputFileChangeEventArgs e)
    {
        if (!_ready || _sending)
        {
            return;
        }

        if (!RateLimiter.TryAcquire(_visitor?.ExternalId ?? _circuitKey))
        {
            _error = "Muitas mensagens em pouco tempo. Aguarde alguns segundos.";
            return;
        }

        _sending = true;
        _error = e.FileCount > MaxFilesAtOnce ? $"Envie até {MaxFilesAtOnce} arquivos de cada vez." : null;
        try
        {
            var max = Math.Min(MaxFileBytes, MediaOptions.Value.MaxBytes);
            foreach (var file in e.GetMultipleFiles(int.MaxValue).Take(MaxFilesAtOnce))
            {
                if (file.Size > max)
                {
                    _error = $"“{file.Name}” passa do limite de {MediaSize.Format(max)}.";
                    continue;
                }

                StoredFile stored;
                await using (var stream = file.OpenReadStream(max))
                {
                    stored = await MediaStore.SaveAsync(stream, CancellationToken.None);
                }

                var type = MediaSniffer.Decide(string.IsNullOrWhiteSpace(file.ContentType) ? MediaSniffer.Binary : file.ContentType, stored.Head);
                var name = Path.GetFileName(file.Name.Replace('\\', '/'));
                var media = new InboundMedia(MediaLimits.KindOf(type), null, type, name.Length == 0 ? null : name) { Stored = stored };
                if (!await ReceiveAsync(MediaLabel.For([media]), [media]))
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            _error = "Não foi possível enviar o arquivo. Tente de novo.";
        }
        finally
        {
            _sending = false;
        }
    }

    /// <summary>Hands the visitor's message to the inbound pipeline, as any channel's webhook does; false if the chat went away.</summary>
    private async Task<bool> ReceiveAsync(string text, IReadOnlyList<InboundMedia> media)
    {
        var isNew = _visitor is null;
        _visitor ??= new Visitor(_channelId, VisitorTokens.NewVisitorId());
        var result = await Inbound.ReceiveAsync(new InboundMessage(
            _channelId,
            _visitor.ExternalId,
            VisitorDisplayName,
            "widget-" + Guid.NewGuid().ToString("N"),
            text,
            ContactEmail: VisitorEmail) { Media = media });
        switch (result.Outcome)
        {
            case InboundOutcome.Accepted or InboundOutcome.Duplicate:
                if (isNew && _verifiedIdentifier is null)
                {
                    await JS.InvokeVoidAsync("localStorage.setItem", StorageKey, Tokens.Issue(_visitor));
                }

                await LoadAsync();
                return true;
            case InboundOutcome.ChannelInactive or InboundOutcome.ChannelNotFound:
                _state = WidgetState.Unavailable;
                return false;
            default:
                return false;
        }
    }

    /// <summary>The text of a message with files, unless it is only the first file's label ("📷 Foto"): the file says that itself.</summary>
    private string? TextOf(Message message) =>
        _files.TryGetValue(message.Id, out var files) && message.Content == MediaLabel.For(files[0].Kind, files[0].FileName, null, null)
            ? null
            : message.Content;

    public void Dispose()
    {
        StopTyping();
        _subscription?.Dispose();
        _presenceWatch?.Dispose();
    }
}

/// <summary>A file as the widget shows it: what it is, and the visitor's own link to it.</summary>
public sealed record WidgetFile(MediaKind Kind, string? ContentType, string? FileName, long? Size, string Url);
