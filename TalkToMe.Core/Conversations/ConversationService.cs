using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Conversations;

/// <summary>Who does something to a conversation: an agent (with id and name) or the system (Keep Alive, a flow).</summary>
public sealed record Actor(string? UserId, string Name, bool IsAdmin = false)
{
    public static readonly Actor System = new(null, "Sistema");
    public static readonly Actor Bot = new(null, "Bot");
}

/// <summary>A message a channel adapter parsed and verified: the one shape every inbound path hands to the service.</summary>
public sealed record InboundMessage(
    int ChannelId,
    string ExternalContactId,
    string? ContactName,
    string? ExternalMessageId,
    string Text,
    DateTime? SentAt = null,
    string? ContactEmail = null,
    string? ContactPhone = null,
    int? ConversationId = null,
    bool StartNewConversation = false,
    string? Subject = null);

public enum InboundOutcome
{
    Accepted,

    /// <summary>The provider id was seen before: same answer as the first time, nothing stored.</summary>
    Duplicate,

    /// <summary>"Ativo" is off (or the channel was deleted): the caller answers 4xx, nothing is stored.</summary>
    ChannelInactive,
    ChannelNotFound,
}

public sealed record InboundResult(InboundOutcome Outcome, int? ConversationId = null, long? MessageId = null,
    bool StartedConversation = false);

/// <summary>A refused operation with a message for the person who tried it (pt-BR, shown as is).</summary>
public sealed class ConversationRuleException(string message) : Exception(message);


/// <summary>
/// Every change to a conversation goes through here: one transaction per call, events published after the commit,
/// outgoing messages stored as pending for the dispatcher (see <see cref="OutboxSignal"/>).
/// </summary>
public sealed class ConversationService
{
    public const int MaxTextLength = 20_000;

    private readonly IDbContextFactory<TalkToMeDbContext> _factory;
    private readonly InboxEventHub _events;
    private readonly OutboxSignal _outbox;
    private readonly IConversationFlows _flows;
    private readonly TimeProvider _time;
    private readonly KeepAliveSignal? _keepAlive;
    private readonly System.Threading.Channels.Channel<PendingReceive> _inbound = System.Threading.Channels.Channel.CreateUnbounded<PendingReceive>(
        new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
    private int _inboundWriterStarted;

    private const int MaxInboundBatch = 200;

    public ConversationService(IDbContextFactory<TalkToMeDbContext> factory, InboxEventHub events, OutboxSignal outbox,
        IConversationFlows flows, TimeProvider time)
        : this(factory, events, outbox, flows, time, null)
    {
    }

    public ConversationService(IDbContextFactory<TalkToMeDbContext> factory, InboxEventHub events, OutboxSignal outbox,
        IConversationFlows flows, TimeProvider time, KeepAliveSignal? keepAlive)
    {
        _factory = factory;
        _events = events;
        _outbox = outbox;
        _flows = flows;
        _time = time;
        _keepAlive = keepAlive;
    }

    /// <summary>Raised after a snooze is stored, so the wake-up service recomputes its next due time.</summary>
    public event Action? SnoozesChanged;

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    /// <summary>The inbound pipeline: reject if not Ativo, dedupe, find-or-create contact and conversation, append, reset Keep Alive.</summary>
    public async Task<InboundResult> ReceiveAsync(InboundMessage message, CancellationToken cancellationToken = default)
    {
        var text = RequireText(message.Text);
        var externalContactId = message.ExternalContactId?.Trim();
        if (string.IsNullOrEmpty(externalContactId))
        {
            throw new ConversationRuleException(ServerText.Get("Error.ContactIdRequired", "Informe o identificador do contato."));
        }

        var externalMessageId = string.IsNullOrWhiteSpace(message.ExternalMessageId) ? null : message.ExternalMessageId.Trim();

        var pending = new PendingReceive(message with { Text = text, ExternalContactId = externalContactId, ExternalMessageId = externalMessageId });
        _inbound.Writer.TryWrite(pending);
        EnsureInboundWriter();
        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Group commit: customer messages that arrive together are stored in one transaction (each under its own savepoint,
    /// so one bad message never takes the others down), with one disk sync for the batch. Each caller is answered only
    /// after the commit, so a 2xx still means "stored".
    /// </summary>
    private void EnsureInboundWriter()
    {
        if (Interlocked.CompareExchange(ref _inboundWriterStarted, 1, 0) == 0)
        {
            _ = Task.Run(InboundWriterLoopAsync);
        }
    }

    private async Task InboundWriterLoopAsync()
    {
        var batch = new List<PendingReceive>();
        while (await _inbound.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxInboundBatch && _inbound.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await StoreInboundBatchAsync(batch);
            }
            catch (Exception ex)
            {
                foreach (var item in batch)
                {
                    item.Result.TrySetException(ex);
                }
            }
        }
    }

    private async Task StoreInboundBatchAsync(List<PendingReceive> batch)
    {
        var stored = new List<(PendingReceive Item, Unit Unit, InboundResult Result)>();
        using (await SqliteWriteGate.EnterAsync(CancellationToken.None))
        {
            await using var db = await _factory.CreateDbContextAsync();
            // Each message has its own savepoint below; EF's automatic one per SaveChanges would only add statements.
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync();
            using var fastPath = new InboundFastPath(db.Database.GetDbConnection(), transaction.GetDbTransaction());
            var channels = new Dictionary<int, Channel?>();
            var now = Now;
            foreach (var item in batch)
            {
                var unit = new Unit(db);
                fastPath.BeginMessage();
                try
                {
                    var result = await ReceiveInBatchAsync(unit, fastPath, channels, item.Message, now);
                    if (db.ChangeTracker.HasChanges())
                    {
                        await unit.SaveAsync(CancellationToken.None);
                    }

                    fastPath.CommitMessage();
                    stored.Add((item, unit, result));
                }
                catch (Exception ex)
                {
                    fastPath.RollbackMessage();
                    if (ex is DbUpdateException or DbException && item.Message.ExternalMessageId is { } externalId
                        && await FindDuplicateAsync(db, item.Message.ChannelId, externalId, CancellationToken.None) is { } duplicate)
                    {
                        // Another process stored the same provider id first (the unique index decided): answer as it did.
                        stored.Add((item, new Unit(db), duplicate));
                    }
                    else
                    {
                        item.Result.TrySetException(ex);
                    }
                }
                finally
                {
                    db.ChangeTracker.Clear();
                }
            }

            await transaction.CommitAsync();
        }

        foreach (var (item, unit, result) in stored)
        {
            unit.Publish(this);
            item.Result.TrySetResult(result);
        }
    }

    /// <summary>One message of a batch: refused on the channel's state, else the SQL fast path, else the EF path.</summary>
    private async Task<InboundResult> ReceiveInBatchAsync(Unit unit, InboundFastPath fastPath, Dictionary<int, Channel?> channels,
        InboundMessage message, DateTime now)
    {
        // Read once per batch, inside its transaction: a channel deactivated before this batch began refuses its messages.
        if (!channels.TryGetValue(message.ChannelId, out var channel))
        {
            channel = await unit.Db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == message.ChannelId);
            channels[message.ChannelId] = channel;
        }

        if (channel is null || channel.IsDeleted)
        {
            return new InboundResult(InboundOutcome.ChannelNotFound);
        }

        if (!channel.CanReceive)
        {
            return new InboundResult(InboundOutcome.ChannelInactive);
        }

        if (fastPath.TryReceive(channel, message, _flows, now) is { } stored)
        {
            unit.AddEvents(stored.Events);
            unit.KeepAliveChanged = stored.Result.Outcome == InboundOutcome.Accepted;
            return stored.Result;
        }

        return await ReceiveCoreAsync(unit, message, CancellationToken.None);
    }

    private async Task<InboundResult> ReceiveCoreAsync(Unit unit, InboundMessage message, CancellationToken cancellationToken)
    {
        var text = message.Text;
        var externalContactId = message.ExternalContactId;
        var externalMessageId = message.ExternalMessageId;
        var db = unit.Db;
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == message.ChannelId, cancellationToken);
        if (channel is null || channel.IsDeleted)
        {
            return new InboundResult(InboundOutcome.ChannelNotFound);
        }

        if (!channel.CanReceive)
        {
            return new InboundResult(InboundOutcome.ChannelInactive);
        }

        if (externalMessageId is not null && await FindDuplicateAsync(db, channel.Id, externalMessageId, cancellationToken) is { } duplicate)
        {
            return duplicate;
        }

        var now = Now;
        var identity = await db.ContactIdentities.Include(i => i.Contact)
            .FirstOrDefaultAsync(i => i.ChannelId == channel.Id && i.ExternalId == externalContactId, cancellationToken);
        if (identity is null)
        {
            var contact = new Contact(message.ContactName ?? externalContactId, now);
            contact.SetDetails(message.ContactEmail, message.ContactPhone);
            identity = contact.AddIdentity(channel.Id, externalContactId);
            db.Contacts.Add(contact);
        }
        else if (!string.IsNullOrWhiteSpace(message.ContactName) && identity.Contact.Name == identity.ExternalId)
        {
            // A contact first known only by id gets the name the channel later tells us.
            identity.Contact.Rename(message.ContactName);
        }

        // Threaded channels (e-mail) name the conversation the message belongs to, or ask for a new one; everyone else
        // continues the identity's open conversation. Channel and contact are tracked already: no joins needed.
        Conversation? conversation;
        if (message.ConversationId is { } threadId)
        {
            conversation = await db.Conversations
                .FirstOrDefaultAsync(c => c.Id == threadId && c.ChannelId == channel.Id, cancellationToken);
        }
        else
        {
            conversation = identity.Id == 0 || message.StartNewConversation
                ? null
                : await db.Conversations
                    // A conversation resolved within a day whose exit flow waits for an answer (a satisfaction
                    // question) takes that answer; after that the customer's next message starts a new conversation.
                    .Where(c => c.ContactIdentityId == identity.Id && (c.Status != ConversationStatus.Resolved
                        || (c.FlowId != null && c.ResolvedAt > now.AddDays(-1))))
                    .OrderByDescending(c => c.Id)
                    .FirstOrDefaultAsync(cancellationToken);
        }

        var started = conversation is null;
        if (conversation is null)
        {
            conversation = new Conversation(channel, identity, now);
            conversation.SetSubject(message.Subject);
            db.Conversations.Add(conversation);
        }

        var incoming = Message.Incoming(conversation, text, externalMessageId, now, identity.Contact.Name);
        db.Messages.Add(incoming);
        conversation.RecordIncoming(text, now);
        KeepAliveSchedule.OnCustomerMessage(conversation, channel, now);
        // The flow hooks see the conversation and the customer message with their ids.
        await unit.SaveAsync(cancellationToken);

        if (started)
        {
            await _flows.OnConversationStartedAsync(db, conversation, cancellationToken);
        }
        else
        {
            await _flows.OnCustomerMessageAsync(db, conversation, text, cancellationToken);
        }

        unit.KeepAliveChanged = true;
        return new InboundResult(InboundOutcome.Accepted, conversation.Id, incoming.Id, started);
    }

    /// <summary>An agent's reply, sent through the channel the customer used.</summary>
    public Task<Message> ReplyAsync(int conversationId, Actor agent, string text, CancellationToken cancellationToken = default)
    {
        var content = RequireText(text);
        return ChangeAsync(conversationId, (unit, conversation) =>
        {
            RequireChannelCanSend(conversation);
            if (!ReplyWindow.IsOpen(conversation, Now))
            {
                throw new ConversationRuleException(ReplyWindow.ClosedMessage);
            }

            return Task.FromResult(AddReply(unit, conversation, agent, content));
        }, cancellationToken);
    }

    /// <summary>
    /// A WhatsApp message template (what WhatsApp accepts when the 24-hour window is closed): stored pending like any reply,
    /// its rendered text as content. Refused for other channel types and for templates not synced to this channel.
    /// </summary>
    public Task<Message> SendTemplateAsync(int conversationId, Actor agent, int templateId, IReadOnlyList<string> values,
        CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (unit, conversation) =>
        {
            RequireChannelCanSend(conversation);
            return AddTemplateReplyAsync(unit, conversation, conversation.Channel, agent, templateId, values, cancellationToken);
        }, cancellationToken);

    /// <summary>A private note: visible to agents only, never sent.</summary>
    public Task<Message> AddNoteAsync(int conversationId, Actor agent, string text, CancellationToken cancellationToken = default)
    {
        var content = RequireText(text);
        return ChangeAsync(conversationId, (unit, conversation) => Task.FromResult(AddNote(unit, conversation, agent, content)),
            cancellationToken);
    }

    public Task AssignAsync(int conversationId, Actor actor, string? assigneeId, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (unit, conversation) => AssignCoreAsync(unit, conversation, actor, assigneeId, cancellationToken),
            cancellationToken);

    public Task ResolveAsync(int conversationId, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (unit, conversation) => ResolveCoreAsync(unit, conversation, actor, cancellationToken),
            cancellationToken);

    public Task ReopenAsync(int conversationId, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (unit, conversation) =>
        {
            if (conversation.Status is ConversationStatus.Open)
            {
                throw new ConversationRuleException(ServerText.Get("Error.AlreadyOpen", "A conversa já está aberta."));
            }

            conversation.Reopen();
            AddActivity(unit, conversation, ActivityText.Reopened(actor));
            return Task.FromResult(true);
        }, cancellationToken);

    public Task SnoozeAsync(int conversationId, Actor actor, DateTime until, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (unit, conversation) =>
        {
            SnoozeCore(unit, conversation, actor, until);
            return Task.FromResult(true);
        }, cancellationToken);

    public Task SetPriorityAsync(int conversationId, Actor actor, ConversationPriority priority, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (unit, conversation) =>
        {
            SetPriorityCore(unit, conversation, actor, priority);
            return Task.FromResult(true);
        }, cancellationToken);

    public Task AddLabelAsync(int conversationId, Actor actor, int labelId, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, async (unit, conversation) =>
        {
            var label = await unit.Db.Labels.FirstOrDefaultAsync(l => l.Id == labelId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.LabelNotFound", "Etiqueta não encontrada."));
            AddLabelCore(unit, conversation, actor, label);
            return true;
        }, cancellationToken);

    public Task RemoveLabelAsync(int conversationId, Actor actor, int labelId, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, async (unit, conversation) =>
        {
            var label = await unit.Db.Labels.FirstOrDefaultAsync(l => l.Id == labelId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.LabelNotFound", "Etiqueta não encontrada."));
            RemoveLabelCore(unit, conversation, actor, label);
            return true;
        }, cancellationToken);

    /// <summary>Opening a conversation reads it; no activity line (it would fill every thread with noise).</summary>
    public Task MarkReadAsync(int conversationId, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (_, conversation) =>
        {
            conversation.MarkRead();
            return Task.FromResult(true);
        }, cancellationToken);

    public Task MarkUnreadAsync(int conversationId, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, (_, conversation) =>
        {
            conversation.MarkUnread();
            return Task.FromResult(true);
        }, cancellationToken);

    /// <summary>Puts a failed outgoing message back in the dispatcher's queue.</summary>
    public Task RetryAsync(long messageId, Actor actor, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async unit =>
        {
            var message = await unit.Db.Messages.Include(m => m.Conversation).ThenInclude(c => c.Channel)
                .FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.MessageNotFound", "Mensagem não encontrada."));
            if (message.Kind != MessageKind.Text || message.Direction != MessageDirection.Outgoing)
            {
                throw new ConversationRuleException(ServerText.Get("Error.ResendOnlyCustomerMessages", "Só mensagens enviadas ao cliente podem ser reenviadas."));
            }

            if (message.DeliveryStatus != DeliveryStatus.Failed)
            {
                throw new ConversationRuleException(ServerText.Get("Error.ResendOnlyFailed", "Só mensagens que falharam podem ser reenviadas."));
            }

            RequireChannelCanSend(message.Conversation);
            message.Retry(Now);
            return true;
        }, cancellationToken);

    /// <summary>
    /// "Nova conversa" (Contato ativo): an agent starts a conversation through a channel that is Ativo and Contato ativo,
    /// to an existing contact or a new identity, with a first message. Any other channel is refused.
    /// </summary>
    public Task<int> StartAsync(Actor agent, int channelId, int? contactId, string? externalContactId, string? contactName,
        string text, CancellationToken cancellationToken = default)
    {
        var content = RequireText(text);
        return StartCoreAsync(agent, channelId, contactId, externalContactId, contactName, (unit, conversation, channel) =>
        {
            // WhatsApp lets a business write first only with a template (StartWithTemplateAsync).
            if (!ReplyWindow.IsOpen(channel.Type, conversation.LastCustomerMessageAt, Now))
            {
                throw new ConversationRuleException(conversation.LastCustomerMessageAt is null ? ReplyWindow.StartNeedsTemplateMessage : ReplyWindow.ClosedMessage);
            }

            AddReply(unit, conversation, agent, content);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>"Nova conversa" through a WhatsApp channel: the first message is an approved template with its parameters.</summary>
    public Task<int> StartWithTemplateAsync(Actor agent, int channelId, int? contactId, string? externalContactId, string? contactName,
        int templateId, IReadOnlyList<string> values, CancellationToken cancellationToken = default) =>
        StartCoreAsync(agent, channelId, contactId, externalContactId, contactName,
            (unit, conversation, channel) => AddTemplateReplyAsync(unit, conversation, channel, agent, templateId, values, cancellationToken),
            cancellationToken);

    private Task<int> StartCoreAsync(Actor agent, int channelId, int? contactId, string? externalContactId, string? contactName,
        Func<Unit, Conversation, Channel, Task> addFirstMessage, CancellationToken cancellationToken)
    {
        return InTransactionAsync(async unit =>
        {
            var db = unit.Db;
            var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken);
            if (channel is null || channel.IsDeleted)
            {
                throw new ConversationRuleException(ServerText.Get("Error.ChannelNotFound", "Canal não encontrado."));
            }

            if (!Channel.SupportsActiveContact(channel.Type))
            {
                throw new ConversationRuleException(
                    ServerText.Get("Error.ChannelReplyOnly", "O canal {0} só responde: o provedor não permite que a empresa inicie a conversa.", channel.Name));
            }

            if (!channel.CanStartConversation)
            {
                throw new ConversationRuleException(
                    ServerText.Get("Error.ChannelCannotStart", "O canal {0} não permite iniciar conversas: ele precisa estar Ativo e com Contato ativo.", channel.Name));
            }

            var now = Now;
            var identity = await FindOrCreateIdentityAsync(db, channel, contactId, externalContactId, contactName, now, cancellationToken);
            var conversation = identity.Id == 0
                ? null
                : await WithDetails(db.Conversations)
                    .Where(c => c.ContactIdentityId == identity.Id && c.Status != ConversationStatus.Resolved)
                    .OrderByDescending(c => c.Id)
                    .FirstOrDefaultAsync(cancellationToken);
            if (conversation is null)
            {
                conversation = new Conversation(channel, identity, now);
                db.Conversations.Add(conversation);
                if (agent.UserId is not null)
                {
                    conversation.Assign(agent.UserId);
                }

                AddActivity(unit, conversation, ActivityText.Started(agent));
            }

            await addFirstMessage(unit, conversation, channel);
            await unit.SaveAsync(cancellationToken);
            return conversation.Id;
        }, cancellationToken);
    }

    /// <summary>Applies every action of a macro in one transaction, each leaving an activity line.</summary>
    public Task RunMacroAsync(int conversationId, Actor agent, int macroId, CancellationToken cancellationToken = default) =>
        ChangeAsync(conversationId, async (unit, conversation) =>
        {
            var macro = await unit.Db.Macros.FirstOrDefaultAsync(m => m.Id == macroId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.MacroNotFound", "Macro não encontrada."));
            if (macro.Actions.Count == 0)
            {
                throw new ConversationRuleException(ServerText.Get("Error.MacroHasNoActions", "A macro {0} não tem ações.", macro.Name));
            }

            var actor = agent with { Name = $"{agent.Name} (macro {macro.Name})" };
            foreach (var action in macro.Actions)
            {
                await ApplyMacroActionAsync(unit, conversation, actor, action, cancellationToken);
            }

            return true;
        }, cancellationToken);

    /// <summary>The snoozed conversations whose time has come: each reopens in its own transaction.</summary>
    public async Task<int> WakeSnoozedAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        List<int> due;
        await using (var db = await _factory.CreateDbContextAsync(cancellationToken))
        {
            due = await db.Conversations
                .Where(c => c.SnoozedUntil != null && c.SnoozedUntil <= now && c.Status == ConversationStatus.Snoozed)
                .OrderBy(c => c.SnoozedUntil)
                .Select(c => c.Id)
                .Take(500)
                .ToListAsync(cancellationToken);
        }

        foreach (var id in due)
        {
            await ChangeAsync(id, (unit, conversation) =>
            {
                // Checked again inside the transaction: an agent may have reopened or re-snoozed it meanwhile.
                if (conversation.Status == ConversationStatus.Snoozed && conversation.SnoozedUntil <= now)
                {
                    conversation.Reopen();
                    AddActivity(unit, conversation, ActivityText.SnoozeEnded());
                }

                return Task.FromResult(true);
            }, cancellationToken);
        }

        return due.Count;
    }

    /// <summary>The earliest snooze end still ahead (or overdue), for the wake-up service's sleep.</summary>
    public async Task<DateTime?> NextSnoozeEndAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await _factory.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.Where(c => c.SnoozedUntil != null)
            .OrderBy(c => c.SnoozedUntil)
            .Select(c => c.SnoozedUntil)
            .FirstOrDefaultAsync(cancellationToken);
    }

    private async Task ApplyMacroActionAsync(Unit unit, Conversation conversation, Actor actor, MacroAction action,
        CancellationToken cancellationToken)
    {
        var value = action.Value?.Trim() ?? "";
        switch (action.Type)
        {
            case MacroActionType.SendMessage:
                RequireChannelCanSend(conversation);
                AddReply(unit, conversation, actor, RequireText(value));
                AddActivity(unit, conversation, ActivityText.MessageSent(actor));
                break;
            case MacroActionType.AddPrivateNote:
                AddNote(unit, conversation, actor, RequireText(value));
                AddActivity(unit, conversation, ActivityText.NoteAdded(actor));
                break;
            case MacroActionType.AddLabel:
            case MacroActionType.RemoveLabel:
                var name = value.ToLowerInvariant();
                var label = await unit.Db.Labels.FirstOrDefaultAsync(l => l.Name == name, cancellationToken)
                    ?? throw new ConversationRuleException(ServerText.Get("Error.LabelNamedNotFound", "Etiqueta {0} não encontrada.", value));
                if (action.Type == MacroActionType.AddLabel)
                {
                    AddLabelCore(unit, conversation, actor, label);
                }
                else
                {
                    RemoveLabelCore(unit, conversation, actor, label);
                }

                break;
            case MacroActionType.Assign:
                await AssignCoreAsync(unit, conversation, actor, value.Length == 0 ? null : value, cancellationToken);
                break;
            case MacroActionType.ChangePriority:
                if (!Enum.TryParse<ConversationPriority>(value, ignoreCase: true, out var priority) || !Enum.IsDefined(priority))
                {
                    throw new ConversationRuleException(ServerText.Get("Error.PriorityInvalidValue", "Prioridade inválida: {0}.", value));
                }

                SetPriorityCore(unit, conversation, actor, priority);
                break;
            case MacroActionType.Snooze:
                if (!int.TryParse(value, out var minutes) || minutes <= 0)
                {
                    throw new ConversationRuleException(ServerText.Get("Error.SnoozeInvalid", "Tempo de adiamento inválido: {0}.", value));
                }

                SnoozeCore(unit, conversation, actor, Now.AddMinutes(minutes));
                break;
            case MacroActionType.Resolve:
                await ResolveCoreAsync(unit, conversation, actor, cancellationToken);
                break;
            default:
                throw new ConversationRuleException(ServerText.Get("Error.MacroActionUnknown", "Ação de macro desconhecida: {0}.", action.Type));
        }
    }

    private Message AddReply(Unit unit, Conversation conversation, Actor agent, string content, MessageTemplate? template = null)
    {
        var now = Now;
        var senderType = agent.UserId is null ? (ReferenceEquals(agent, Actor.Bot) ? SenderType.Bot : SenderType.System) : SenderType.Agent;
        var reply = template is null
            ? Message.Outgoing(conversation, content, senderType, agent.UserId, agent.Name, now)
            : Message.OutgoingTemplate(conversation, content, template, senderType, agent.UserId, agent.Name, now);
        unit.Db.Messages.Add(reply);
        conversation.RecordOutgoing(content, now);
        return reply;
    }

    private async Task<Message> AddTemplateReplyAsync(Unit unit, Conversation conversation, Channel channel, Actor agent, int templateId,
        IReadOnlyList<string> values, CancellationToken cancellationToken)
    {
        if (channel.Type != ChannelType.WhatsApp)
        {
            throw new ConversationRuleException(ServerText.Get("Error.TemplatesOnlyWhatsApp", "Modelos de mensagem só são enviados por canais do WhatsApp; {0} não é um deles.", channel.Name));
        }

        var template = await unit.Db.WhatsAppTemplates.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Id == templateId && t.ChannelId == channel.Id, cancellationToken)
            ?? throw new ConversationRuleException(ServerText.Get("Error.TemplateNotFound", "Modelo não encontrado no canal {0}: sincronize os modelos na página do canal.", channel.Name));
        var filled = template.Fill(values);
        return AddReply(unit, conversation, agent, template.Render(filled.Parameters.Select(p => p.Value).ToList()), filled);
    }

    private Message AddNote(Unit unit, Conversation conversation, Actor agent, string content)
    {
        var note = Message.PrivateNote(conversation, content, agent.UserId, agent.Name, Now);
        unit.Db.Messages.Add(note);
        return note;
    }

    private async Task<bool> AssignCoreAsync(Unit unit, Conversation conversation, Actor actor, string? assigneeId,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(assigneeId))
        {
            if (conversation.AssigneeId is null)
            {
                return false;
            }

            conversation.Assign(null);
            AddActivity(unit, conversation, ActivityText.Unassigned(actor));
            return true;
        }

        var assignee = await unit.Db.Users.Where(u => u.Id == assigneeId)
            .Select(u => new { u.Id, u.DisplayName, u.Email, u.IsDeactivated })
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new ConversationRuleException(ServerText.Get("Error.AgentNotFound", "Agente não encontrado."));
        if (assignee.IsDeactivated)
        {
            throw new ConversationRuleException(ServerText.Get("Error.AssigneeDeactivated", "{0} está desativado e não pode receber conversas.", assignee.DisplayName));
        }

        conversation.Assign(assignee.Id);
        var name = string.IsNullOrWhiteSpace(assignee.DisplayName) ? assignee.Email ?? assignee.Id : assignee.DisplayName;
        AddActivity(unit, conversation, ActivityText.Assigned(name, actor));
        return true;
    }

    private async Task<bool> ResolveCoreAsync(Unit unit, Conversation conversation, Actor actor, CancellationToken cancellationToken)
    {
        if (conversation.Status == ConversationStatus.Resolved)
        {
            throw new ConversationRuleException(ServerText.Get("Error.AlreadyResolved", "A conversa já está resolvida."));
        }

        conversation.Resolve(Now);
        AddActivity(unit, conversation, ActivityText.Resolved(actor));
        unit.KeepAliveChanged = true;
        await _flows.OnConversationResolvedAsync(unit.Db, conversation, cancellationToken);
        return true;
    }

    private void SnoozeCore(Unit unit, Conversation conversation, Actor actor, DateTime until)
    {
        until = until.Kind == DateTimeKind.Local ? until.ToUniversalTime() : DateTime.SpecifyKind(until, DateTimeKind.Utc);
        if (until <= Now)
        {
            throw new ConversationRuleException(ServerText.Get("Error.SnoozeFuture", "Escolha um horário no futuro para adiar a conversa."));
        }

        if (conversation.Status == ConversationStatus.Resolved)
        {
            throw new ConversationRuleException(ServerText.Get("Error.SnoozeResolved", "Uma conversa resolvida não pode ser adiada; reabra-a primeiro."));
        }

        conversation.Snooze(until);
        AddActivity(unit, conversation, ActivityText.Snoozed(until, actor));
        unit.SnoozeChanged = true;
        unit.KeepAliveChanged = true;
    }

    private void SetPriorityCore(Unit unit, Conversation conversation, Actor actor, ConversationPriority priority)
    {
        if (!Enum.IsDefined(priority))
        {
            throw new ConversationRuleException(ServerText.Get("Error.PriorityInvalid", "Prioridade inválida."));
        }

        if (conversation.Priority == priority)
        {
            return;
        }

        conversation.SetPriority(priority);
        AddActivity(unit, conversation, ActivityText.Priority(priority, actor));
    }

    private void AddLabelCore(Unit unit, Conversation conversation, Actor actor, Label label)
    {
        if (conversation.Labels.Any(l => l.Id == label.Id))
        {
            return;
        }

        conversation.AddLabel(label);
        AddActivity(unit, conversation, ActivityText.LabelAdded(label.Name, actor));
    }

    private void RemoveLabelCore(Unit unit, Conversation conversation, Actor actor, Label label)
    {
        if (!conversation.Labels.Any(l => l.Id == label.Id))
        {
            return;
        }

        conversation.RemoveLabel(label.Id);
        AddActivity(unit, conversation, ActivityText.LabelRemoved(label.Name, actor));
    }

    private void AddActivity(Unit unit, Conversation conversation, ActivityData activity) =>
        unit.Db.Messages.Add(Message.Activity(conversation, activity, Now));

    private static void RequireChannelCanSend(Conversation conversation)
    {
        if (conversation.Channel.IsDeleted)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ChannelDeleted", "O canal {0} foi excluído; não é possível enviar mensagens.", conversation.Channel.Name));
        }

        if (!conversation.Channel.IsActive)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ChannelInactive", "O canal {0} não está ativo; não é possível enviar mensagens.", conversation.Channel.Name));
        }
    }

    private static string RequireText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ConversationRuleException(ServerText.Get("Error.WriteMessage", "Escreva uma mensagem."));
        }

        if (text.Length > MaxTextLength)
        {
            throw new ConversationRuleException(ServerText.Get("Error.MessageTooLong", "A mensagem passa do limite de {0} caracteres.", MaxTextLength));
        }

        return text.Trim();
    }

    private static async Task<ContactIdentity> FindOrCreateIdentityAsync(TalkToMeDbContext db, Channel channel, int? contactId,
        string? externalContactId, string? contactName, DateTime now, CancellationToken cancellationToken)
    {
        Contact? contact = null;
        if (contactId is { } id)
        {
            contact = await db.Contacts.Include(c => c.Identities).FirstOrDefaultAsync(c => c.Id == id, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.ContactNotFound", "Contato não encontrado."));
        }

        var external = externalContactId?.Trim();
        if (string.IsNullOrEmpty(external))
        {
            return contact?.Identities.FirstOrDefault(i => i.ChannelId == channel.Id)
                ?? throw new ConversationRuleException(
                    ServerText.Get("Error.ContactAddressRequired", "Informe como falar com o contato pelo canal {0} (telefone, e-mail ou identificador).", channel.Name));
        }

        if (external.Length > 320)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ContactIdTooLong", "O identificador do contato é longo demais."));
        }

        if (channel.Type == ChannelType.Email)
        {
            // E-mail identities are the lower-cased address, as the inbound webhook stores them: one contact per mailbox.
            if (!System.Net.Mail.MailAddress.TryCreate(external, out var address) || address.DisplayName.Length > 0)
            {
                throw new ConversationRuleException(ServerText.Get("Error.NotAnEmail", "{0} não é um endereço de e-mail válido.", external));
            }

            external = address.Address.ToLowerInvariant();
        }
        else if (channel.Type == ChannelType.WhatsApp)
        {
            // WhatsApp identities are the wa_id the webhook reports (country code and number, digits only).
            external = Channels.WhatsApp.WhatsAppNumbers.ToWaId(external)
                ?? throw new ConversationRuleException(ServerText.Get("Error.NotAWhatsAppNumber", "{0} não é um número de WhatsApp válido: use o formato internacional, como +5511999998888.", external));
        }

        var existing = await db.ContactIdentities.Include(i => i.Contact)
            .FirstOrDefaultAsync(i => i.ChannelId == channel.Id && i.ExternalId == external, cancellationToken);
        if (existing is not null)
        {
            if (contact is not null && existing.ContactId != contact.Id)
            {
                throw new ConversationRuleException(ServerText.Get("Error.IdentityTaken", "{0} já pertence ao contato {1}.", external, existing.Contact.Name));
            }

            return existing;
        }

        if (contact is null)
        {
            contact = new Contact(string.IsNullOrWhiteSpace(contactName) ? external : contactName, now);
            if (channel.Type == ChannelType.WhatsApp)
            {
                contact.SetDetails(null, "+" + external);
            }

            db.Contacts.Add(contact);
        }

        return contact.AddIdentity(channel.Id, external);
    }

    private static async Task<InboundResult?> FindDuplicateAsync(TalkToMeDbContext db, int channelId, string externalMessageId,
        CancellationToken cancellationToken)
    {
        var first = await db.Messages
            .Where(m => m.ChannelId == channelId && m.Direction == MessageDirection.Incoming && m.ExternalId == externalMessageId)
            .Select(m => new { m.ConversationId, m.Id })
            .FirstOrDefaultAsync(cancellationToken);
        return first is null ? null : new InboundResult(InboundOutcome.Duplicate, first.ConversationId, first.Id);
    }

    private static IQueryable<Conversation> WithDetails(IQueryable<Conversation> conversations) =>
        conversations.Include(c => c.Channel).Include(c => c.Contact).Include(c => c.Labels);

    private Task<T> ChangeAsync<T>(int conversationId, Func<Unit, Conversation, Task<T>> change, CancellationToken cancellationToken) =>
        InTransactionAsync(async unit =>
        {
            var conversation = await WithDetails(unit.Db.Conversations).FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken)
                ?? throw new ConversationRuleException(ServerText.Get("Error.ConversationNotFound", "Conversa não encontrada."));
            return await change(unit, conversation);
        }, cancellationToken);

    /// <summary>One transaction (SQLite BEGIN IMMEDIATE: reads inside it see what the write will be based on); events after the commit.</summary>
    private async Task<T> InTransactionAsync<T>(Func<Unit, Task<T>> work, CancellationToken cancellationToken)
    {
        Unit unit;
        T result;
        using (await SqliteWriteGate.EnterAsync(cancellationToken))
        {
            await using var db = await _factory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            unit = new Unit(db);
            result = await work(unit);
            await unit.SaveAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        unit.Publish(this);
        return result;
    }

    private sealed record PendingReceive(InboundMessage Message)
    {
        public TaskCompletionSource<InboundResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What one transaction changed, remembered across its saves so the events go out once, after the commit.</summary>
    private sealed class Unit(TalkToMeDbContext db)
    {
        private readonly List<Message> _added = [];
        private readonly List<Message> _updated = [];
        private readonly List<Conversation> _conversations = [];
        private readonly List<InboxEvent> _events = [];

        public TalkToMeDbContext Db { get; } = db;
        public bool KeepAliveChanged { get; set; }
        public bool SnoozeChanged { get; set; }

        /// <summary>Events of changes written without tracked entities (the inbound fast path).</summary>
        public void AddEvents(IEnumerable<InboxEvent> events) => _events.AddRange(events);

        public async Task SaveAsync(CancellationToken cancellationToken)
        {
            Db.ChangeTracker.DetectChanges();
            foreach (var entry in Db.ChangeTracker.Entries<Message>())
            {
                if (entry.State == EntityState.Added && !_added.Contains(entry.Entity))
                {
                    _added.Add(entry.Entity);
                }
                else if (entry.State == EntityState.Modified && !_updated.Contains(entry.Entity) && !_added.Contains(entry.Entity))
                {
                    _updated.Add(entry.Entity);
                }
            }

            foreach (var entry in Db.ChangeTracker.Entries<Conversation>())
            {
                if (entry.State is EntityState.Added or EntityState.Modified && !_conversations.Contains(entry.Entity))
                {
                    _conversations.Add(entry.Entity);
                }
            }

            await Db.SaveChangesAsync(cancellationToken);
        }

        public void Publish(ConversationService service)
        {
            foreach (var conversation in _conversations.Concat(_added.Select(m => m.Conversation)).Distinct())
            {
                service._events.Publish(new ConversationChanged(conversation.Id, conversation.ChannelId, conversation.Status,
                    conversation.AssigneeId));
            }

            foreach (var message in _added)
            {
                service._events.Publish(new MessageAdded(message.ConversationId, message.ChannelId, message.Id) { Activity = message.ActivityData });
            }

            foreach (var message in _updated)
            {
                service._events.Publish(new MessageUpdated(message.ConversationId, message.ChannelId, message.Id));
            }

            foreach (var inboxEvent in _events)
            {
                service._events.Publish(inboxEvent);
            }

            if (_added.Concat(_updated).Any(m => m.DeliveryStatus == DeliveryStatus.Pending))
            {
                service._outbox.Notify();
            }

            if (KeepAliveChanged)
            {
                service._keepAlive?.NotifyDueTimesChanged();
            }

            if (SnoozeChanged)
            {
                service.SnoozesChanged?.Invoke();
            }
        }
    }
}
