using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Messaging;

public enum MessageDirection
{
    Incoming = 0,
    Outgoing = 1,
}

public enum MessageKind
{
    Text = 0,
    PrivateNote = 1,
    Activity = 2,
}

public enum SenderType
{
    Contact = 0,
    Agent = 1,
    Bot = 2,
    System = 3,
}

public enum DeliveryStatus
{
    /// <summary>Not something that is delivered (incoming messages, notes, activity lines).</summary>
    None = 0,
    Pending = 1,
    Sent = 2,
    Delivered = 3,
    Read = 4,
    Failed = 5,
}

/// <summary>One item of a conversation's thread: a customer or agent message, a private note or an activity line.</summary>
public class Message
{
    private Message() { }

    private Message(Conversation conversation, MessageDirection direction, MessageKind kind, SenderType senderType,
        string content, DateTime createdAt)
        : this(conversation.Id, conversation.ChannelId, direction, kind, senderType, content, createdAt)
    {
        Conversation = conversation;
    }

    private Message(int conversationId, int channelId, MessageDirection direction, MessageKind kind, SenderType senderType,
        string content, DateTime createdAt)
    {
        ConversationId = conversationId;
        ChannelId = channelId;
        Direction = direction;
        Kind = kind;
        SenderType = senderType;
        Content = content;
        CreatedAt = createdAt;
    }

    public long Id { get; private set; }
    public int ConversationId { get; private set; }
    public Conversation Conversation { get; private set; } = null!;

    /// <summary>Copied from the conversation so (ChannelId, ExternalId) can be unique: providers retry, we store once.</summary>
    public int ChannelId { get; private set; }

    public MessageDirection Direction { get; private set; }
    public MessageKind Kind { get; private set; }
    public SenderType SenderType { get; private set; }
    public string? SenderId { get; private set; }
    public string? SenderName { get; private set; }
    public string Content { get; private set; } = "";

    /// <summary>The provider's id for this message (inbound dedupe key, or the id the provider gave an outbound send).</summary>
    public string? ExternalId { get; private set; }

    public DeliveryStatus DeliveryStatus { get; private set; }
    public string? FailureReason { get; private set; }
    public int DeliveryAttempts { get; private set; }
    public DateTime? NextAttemptAt { get; private set; }

    /// <summary>Stable id sent with every delivery attempt so a receiver can drop repeats.</summary>
    public Guid? DeliveryId { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime? SentAt { get; private set; }

    /// <summary>When an agent last asked to send this failed message again; its retry window starts there instead of at CreatedAt.</summary>
    public DateTime? RetriedAt { get; private set; }

    /// <summary>Transient failures are retried until then; afterwards the message shows "falhou".</summary>
    public DateTime RetryDeadline(TimeSpan retryFor) => (RetriedAt ?? CreatedAt) + retryFor;

    /// <summary>Set when the message was sent as a provider template (WhatsApp outside the 24-hour window); Content is its rendered text.</summary>
    public MessageTemplate? Template { get; private set; }

    /// <summary>An activity line as data (kind and arguments), rendered in the reader's language; null for activity rows stored before it existed (Content only) and for other messages, except the mark of an "Avaliação" question (<see cref="RatingQuestion"/>).</summary>
    public ActivityData? ActivityData { get; private set; }

    public bool IsCustomerVisible => Kind == MessageKind.Text;

    /// <summary>
    /// For an outgoing "Avaliação" question, the question alone (Content adds the five scores and "Responda de 1 a 5."),
    /// so a channel with a picker of its own can offer the scores there; null for every other message.
    /// </summary>
    public string? RatingQuestion =>
        Kind == MessageKind.Text && ActivityData is { Kind: ActivityKind.RatingRequested } asked ? asked.Question ?? "" : null;

    /// <summary>A customer message; the sender is the conversation's contact unless named (someone else in an e-mail thread).</summary>
    public static Message Incoming(Conversation conversation, string content, string? externalId, DateTime at, string? senderName = null) =>
        new(conversation, MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, content, at)
        {
            ExternalId = externalId,
            SenderName = senderName ?? conversation.Contact?.Name,
        };

    /// <summary>An outgoing message waiting for the dispatcher: stored as pending in the same transaction as the conversation change.</summary>
    public static Message Outgoing(Conversation conversation, string content, SenderType senderType, string? senderId,
        string? senderName, DateTime at)
    {
        var message = Outgoing(conversation.Id, conversation.ChannelId, content, senderType, senderId, senderName, at);
        message.Conversation = conversation;
        return message;
    }

    /// <summary>
    /// The pending message by ids, for a writer that stores rows without loading the conversation (Keep Alive's batches).
    /// The overload above builds on this one, so both set every column alike.
    /// </summary>
    public static Message Outgoing(int conversationId, int channelId, string content, SenderType senderType, string? senderId,
        string? senderName, DateTime at) =>
        new(conversationId, channelId, MessageDirection.Outgoing, MessageKind.Text, senderType, content, at)
        {
            SenderId = senderId,
            SenderName = senderName,
            DeliveryStatus = DeliveryStatus.Pending,
            NextAttemptAt = at,
            DeliveryId = Guid.NewGuid(),
        };

    /// <summary>An outgoing template message: pending like any reply, with the template the sender posts instead of free text.</summary>
    public static Message OutgoingTemplate(Conversation conversation, string renderedContent, MessageTemplate template, SenderType senderType,
        string? senderId, string? senderName, DateTime at)
    {
        var message = Outgoing(conversation, renderedContent, senderType, senderId, senderName, at);
        message.Template = template;
        return message;
    }

    public static Message PrivateNote(Conversation conversation, string content, string? agentId, string? agentName, DateTime at) =>
        new(conversation, MessageDirection.Outgoing, MessageKind.PrivateNote, SenderType.Agent, content, at)
        {
            SenderId = agentId,
            SenderName = agentName,
        };

    /// <summary>An activity line: the data the reader's UI renders, and its pt-BR sentence as Content for everyone else.</summary>
    public static Message Activity(Conversation conversation, ActivityData activity, DateTime at)
    {
        var message = Activity(conversation.Id, conversation.ChannelId, activity, at);
        message.Conversation = conversation;
        return message;
    }

    public static Message Activity(int conversationId, int channelId, ActivityData activity, DateTime at) =>
        new(conversationId, channelId, MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, ActivityText.Portuguese(activity), at)
        {
            ActivityData = activity,
        };

    /// <summary>
    /// Marks a pending outgoing text as an "Avaliação" question. Kept in the ActivityData column (a JSON text that is
    /// otherwise null on customer messages) rather than a column of its own: what the sender needs fits there without a
    /// migration, and every reader of activity lines also checks <see cref="Kind"/>.
    /// </summary>
    public void AskForRating(string question)
    {
        if (Kind != MessageKind.Text || Direction != MessageDirection.Outgoing)
        {
            throw new InvalidOperationException("Only an outgoing customer message can ask for a rating.");
        }

        ActivityData = ActivityText.RatingRequested(question);
    }

    public void MarkSent(string? providerId, DateTime at)
    {
        ExternalId = providerId ?? ExternalId;
        DeliveryStatus = DeliveryStatus.Sent;
        DeliveryAttempts++;
        FailureReason = null;
        NextAttemptAt = null;
        SentAt = at;
    }

    public void MarkAttemptFailed(string reason, DateTime? retryAt)
    {
        DeliveryAttempts++;
        FailureReason = reason;
        if (retryAt is null)
        {
            DeliveryStatus = DeliveryStatus.Failed;
            NextAttemptAt = null;
        }
        else
        {
            NextAttemptAt = retryAt;
        }
    }

    /// <summary>Provider status callbacks may arrive out of order; a later state never goes back to an earlier one.</summary>
    public void ApplyProviderStatus(DeliveryStatus status, string? reason)
    {
        if (status == DeliveryStatus.Failed)
        {
            DeliveryStatus = DeliveryStatus.Failed;
            FailureReason = reason ?? FailureReason;
            return;
        }

        if (DeliveryStatus != DeliveryStatus.Failed && status > DeliveryStatus)
        {
            DeliveryStatus = status;
        }
    }

    /// <summary>
    /// An agent sends a failed message again: only an outgoing customer message that failed, through a channel that can
    /// still send, goes back in the dispatcher's queue.
    /// </summary>
    public void Retry(Channel channel, DateTime at)
    {
        if (Kind != MessageKind.Text || Direction != MessageDirection.Outgoing)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ResendOnlyCustomerMessages", "Só mensagens enviadas ao cliente podem ser reenviadas."));
        }

        if (DeliveryStatus != DeliveryStatus.Failed)
        {
            throw new ConversationRuleException(ServerText.Get("Error.ResendOnlyFailed", "Só mensagens que falharam podem ser reenviadas."));
        }

        channel.RequireCanSend();
        DeliveryStatus = DeliveryStatus.Pending;
        DeliveryAttempts = 0;
        FailureReason = null;
        NextAttemptAt = at;
        RetriedAt = at;
    }

    /// <summary>Its retry window ended while its channel was still failing, before its own turn came: failed without a try of its own.</summary>
    public void GiveUp(string reason)
    {
        DeliveryStatus = DeliveryStatus.Failed;
        FailureReason = reason;
        NextAttemptAt = null;
    }
}
