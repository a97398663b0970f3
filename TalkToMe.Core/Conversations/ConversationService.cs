using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
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
    string? ContactPhone = null);

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
public sealed class ConversationService(
    IDbContextFactory<TalkToMeDbContext> factory,
    InboxEventHub events,
    OutboxSignal outbox,
    IConversationFlows flows,
    TimeProvider time)
{
    // Held for the implementation (issue 4); the stub keeps the public API stable for the UI and flows.
    private readonly IDbContextFactory<TalkToMeDbContext> _factory = factory;
    private readonly InboxEventHub _events = events;
    private readonly OutboxSignal _outbox = outbox;
    private readonly IConversationFlows _flows = flows;
    private readonly TimeProvider _time = time;

    /// <summary>The inbound pipeline: reject if not Ativo, dedupe, find-or-create contact and conversation, append, reset Keep Alive.</summary>
    public Task<InboundResult> ReceiveAsync(InboundMessage message, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>An agent's reply, sent through the channel the customer used.</summary>
    public Task<Message> ReplyAsync(int conversationId, Actor agent, string text, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>A private note: visible to agents only, never sent.</summary>
    public Task<Message> AddNoteAsync(int conversationId, Actor agent, string text, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task AssignAsync(int conversationId, Actor actor, string? assigneeId, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task ResolveAsync(int conversationId, Actor actor, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task ReopenAsync(int conversationId, Actor actor, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task SnoozeAsync(int conversationId, Actor actor, DateTime until, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task SetPriorityAsync(int conversationId, Actor actor, ConversationPriority priority, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task AddLabelAsync(int conversationId, Actor actor, int labelId, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task RemoveLabelAsync(int conversationId, Actor actor, int labelId, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task MarkReadAsync(int conversationId, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    public Task MarkUnreadAsync(int conversationId, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Puts a failed outgoing message back in the dispatcher's queue.</summary>
    public Task RetryAsync(long messageId, Actor actor, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>
    /// "Nova conversa" (Contato ativo): an agent starts a conversation through a channel that is Ativo and Contato ativo,
    /// to an existing contact or a new identity, with a first message. Any other channel is refused.
    /// </summary>
    public Task<int> StartAsync(Actor agent, int channelId, int? contactId, string? externalContactId, string? contactName,
        string text, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();

    /// <summary>Applies every action of a macro in one transaction, each leaving an activity line.</summary>
    public Task RunMacroAsync(int conversationId, Actor agent, int macroId, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
