using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

/// <summary>A thread between the organisation and one contact, on one channel.</summary>
public class Conversation
{
    public const int PreviewLength = 140;
    public const int SubjectLength = 300;

    private readonly List<Label> _labels = [];

    private Conversation() { }

    public Conversation(Channel channel, ContactIdentity identity, DateTime createdAt)
    {
        Channel = channel;
        ChannelId = channel.Id;
        ContactIdentity = identity;
        Contact = identity.Contact;
        Status = ConversationStatus.Open;
        CreatedAt = createdAt;
        LastActivityAt = createdAt;
    }

    public int Id { get; private set; }
    public int ChannelId { get; private set; }
    public Channel Channel { get; private set; } = null!;
    public int ContactId { get; private set; }
    public Contact Contact { get; private set; } = null!;
    public int ContactIdentityId { get; private set; }
    public ContactIdentity ContactIdentity { get; private set; } = null!;

    public ConversationStatus Status { get; private set; }
    public string? AssigneeId { get; private set; }
    public ConversationPriority Priority { get; private set; }

    /// <summary>Orders the inbox: newest activity on top.</summary>
    public DateTime LastActivityAt { get; private set; }
    public DateTime? LastCustomerMessageAt { get; private set; }
    public string? LastMessagePreview { get; private set; }
    public int UnreadCount { get; private set; }
    public DateTime? SnoozedUntil { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? ResolvedAt { get; private set; }

    public KeepAliveStage KeepAliveStage { get; private set; }

    /// <summary>When the channel's out-of-office message went to this conversation: it is sent once per conversation.</summary>
    public DateTime? OutOfOfficeSentAt { get; private set; }

    /// <summary>When the next Keep Alive step is due; indexed, so the engine reads only what is due.</summary>
    public DateTime? KeepAliveDueAt { get; private set; }

    /// <summary>Flow run state: which flow holds the conversation and at which step (null when no flow runs).</summary>
    public int? FlowId { get; private set; }
    public int? FlowStepIndex { get; private set; }

    /// <summary>Answers stored by flows on the conversation, as a JSON object.</summary>
    public string AttributesJson { get; private set; } = "{}";

    /// <summary>E-mail conversations: the subject replies carry ("Re: …"); null for other channels.</summary>
    public string? Subject { get; private set; }

    /// <summary>The customer's last satisfaction answer ("Avaliação", 1–5); null until they answer one.</summary>
    public int? CsatScore { get; private set; }

    /// <summary>What the customer added to their rating, when the flow asked and they wrote something.</summary>
    public string? CsatComment { get; private set; }

    public DateTime? CsatAt { get; private set; }

    public IReadOnlyCollection<Label> Labels => _labels;

    public void RecordIncoming(string preview, DateTime at)
    {
        LastActivityAt = at;
        LastCustomerMessageAt = at;
        LastMessagePreview = Shorten(preview);
        UnreadCount++;
        if (Status is ConversationStatus.Resolved or ConversationStatus.Snoozed)
        {
            Status = ConversationStatus.Open;
            ResolvedAt = null;
            SnoozedUntil = null;
        }
    }

    public void RecordOutgoing(string preview, DateTime at)
    {
        LastActivityAt = at;
        LastMessagePreview = Shorten(preview);
    }

    /// <summary>A reply through the customer's channel, pending for the dispatcher; it becomes the list's preview.</summary>
    public Message Reply(Actor by, string content, DateTime at, MessageTemplate? template = null)
    {
        var reply = template is null
            ? Message.Outgoing(this, content, by.SenderType, by.UserId, by.Name, at)
            : Message.OutgoingTemplate(this, content, template, by.SenderType, by.UserId, by.Name, at);
        RecordOutgoing(content, at);
        return reply;
    }

    /// <summary>A private note: visible to agents only, never sent, no change to the list's preview.</summary>
    public Message AddNote(Actor by, string content, DateTime at) => Message.PrivateNote(this, content, by.UserId, by.Name, at);

    public void MarkRead() => UnreadCount = 0;

    public void MarkUnread() => UnreadCount = Math.Max(UnreadCount, 1);

    /// <summary>Sets the assignee without an activity line (a flow's hand-off, the agent who starts the conversation).</summary>
    public void Assign(string? agentId) => AssigneeId = agentId;

    /// <summary>An agent assigns the conversation to <paramref name="agentId"/> (shown as <paramref name="agentName"/>).</summary>
    public ActivityData Assign(string agentId, string agentName, Actor by)
    {
        AssigneeId = agentId;
        return ActivityText.Assigned(agentName, by);
    }

    /// <summary>Its assignee went Offline: back to the channel's queue for the next available agent.</summary>
    public ActivityData? ReturnToQueue(string assigneeName)
    {
        if (AssigneeId is null)
        {
            return null;
        }

        AssigneeId = null;
        return ActivityText.ReturnedToQueue(assigneeName);
    }

    /// <summary>An agent removes the assignee; nothing happens (null) when there is none.</summary>
    public ActivityData? Unassign(Actor by)
    {
        if (AssigneeId is null)
        {
            return null;
        }

        AssigneeId = null;
        return ActivityText.Unassigned(by);
    }

    /// <summary>Sets the priority without an activity line (seed data, copies).</summary>
    public void SetPriority(ConversationPriority priority) => Priority = priority;

    /// <summary>An agent sets the priority; null (no activity line) when it is that one already.</summary>
    public ActivityData? SetPriority(ConversationPriority priority, Actor by)
    {
        if (!Enum.IsDefined(priority))
        {
            throw new ConversationRuleException(ServerText.Get("Error.PriorityInvalid", "Prioridade inválida."));
        }

        if (Priority == priority)
        {
            return null;
        }

        Priority = priority;
        return ActivityText.Priority(priority, by);
    }

    /// <summary>Resolves the conversation; refused when it is resolved already. Keep Alive stops counting.</summary>
    public void Resolve(DateTime at)
    {
        if (Status == ConversationStatus.Resolved)
        {
            throw new ConversationRuleException(ServerText.Get("Error.AlreadyResolved", "A conversa já está resolvida."));
        }

        Status = ConversationStatus.Resolved;
        ResolvedAt = at;
        SnoozedUntil = null;
        ClearKeepAlive();
    }

    /// <inheritdoc cref="Resolve(DateTime)"/>
    public ActivityData Resolve(Actor by, DateTime at)
    {
        Resolve(at);
        return ActivityText.Resolved(by);
    }

    /// <summary>Opens the conversation again, whatever its state (a flow handing it to agents, a customer writing).</summary>
    public void Reopen()
    {
        Status = ConversationStatus.Open;
        ResolvedAt = null;
        SnoozedUntil = null;
    }

    /// <summary>An agent reopens a resolved, snoozed or pending conversation; refused when it is open already.</summary>
    public ActivityData Reopen(Actor by)
    {
        if (Status is ConversationStatus.Open)
        {
            throw new ConversationRuleException(ServerText.Get("Error.AlreadyOpen", "A conversa já está aberta."));
        }

        Reopen();
        return ActivityText.Reopened(by);
    }

    public void MarkPending() => Status = ConversationStatus.Pending;

    /// <summary>Snoozes until <paramref name="until"/> (UTC); a resolved conversation cannot be snoozed. Keep Alive stops counting.</summary>
    public void Snooze(DateTime until)
    {
        if (Status == ConversationStatus.Resolved)
        {
            throw new ConversationRuleException(ServerText.Get("Error.SnoozeResolved", "Uma conversa resolvida não pode ser adiada; reabra-a primeiro."));
        }

        Status = ConversationStatus.Snoozed;
        SnoozedUntil = until;
        ClearKeepAlive();
    }

    /// <summary>An agent snoozes until a time that must be ahead of <paramref name="now"/> (a local time is taken as such, else UTC).</summary>
    public ActivityData Snooze(DateTime until, DateTime now, Actor by)
    {
        until = until.Kind == DateTimeKind.Local ? until.ToUniversalTime() : DateTime.SpecifyKind(until, DateTimeKind.Utc);
        if (until <= now)
        {
            throw new ConversationRuleException(ServerText.Get("Error.SnoozeFuture", "Escolha um horário no futuro para adiar a conversa."));
        }

        Snooze(until);
        return ActivityText.Snoozed(until, by);
    }

    /// <summary>Reopens a snoozed conversation whose time has come; null (nothing changes) when it is not one any more.</summary>
    public ActivityData? EndSnooze(DateTime now)
    {
        if (Status != ConversationStatus.Snoozed || !(SnoozedUntil <= now))
        {
            return null;
        }

        Reopen();
        return ActivityText.SnoozeEnded();
    }

    public void ScheduleKeepAlive(KeepAliveStage stage, DateTime dueAt)
    {
        KeepAliveStage = stage;
        KeepAliveDueAt = dueAt;
    }

    public void ClearKeepAlive()
    {
        KeepAliveStage = KeepAliveStage.None;
        KeepAliveDueAt = null;
    }

    public void SetFlowState(int? flowId, int? stepIndex)
    {
        FlowId = flowId;
        FlowStepIndex = flowId is null ? null : stepIndex;
    }

    public void SetAttributesJson(string json) => AttributesJson = json;

    public const int CsatCommentLength = 1000;

    /// <summary>Stores a rating (1–5); the activity line it returns is what the reports count.</summary>
    public ActivityData Rate(int score, DateTime at)
    {
        if (score is < 1 or > 5)
        {
            throw new ConversationRuleException(ServerText.Get("Error.CsatScore", "A avaliação vai de 1 a 5."));
        }

        CsatScore = score;
        CsatComment = null;
        CsatAt = at;
        return ActivityText.Rated(score);
    }

    /// <summary>The optional comment that follows a rating.</summary>
    public void CommentRating(string comment)
    {
        var text = comment.Trim();
        CsatComment = text.Length == 0 ? null : text.Length > CsatCommentLength ? Channels.TextParts.Prefix(text, CsatCommentLength) : text;
    }

    public void SetSubject(string? subject) => Subject = NormalizeSubject(subject);

    public static string? NormalizeSubject(string? subject)
    {
        // One line: a subject goes into a mail header, where a line break would start a header of its own.
        var value = subject is null ? null : string.Join(' ', subject.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return string.IsNullOrEmpty(value) ? null : value.Length > SubjectLength ? Channels.TextParts.Prefix(value, SubjectLength) : value;
    }

    /// <summary>Adds the label without an activity line (seed data, copies); a label it has already is not added twice.</summary>
    public void AddLabel(Label label) => AddLabelCore(label);

    /// <summary>An agent adds a label; null (no activity line) when the conversation has it already.</summary>
    public ActivityData? AddLabel(Label label, Actor by) => AddLabelCore(label) ? ActivityText.LabelAdded(label.Name, by) : null;

    public void RemoveLabel(int labelId) => _labels.RemoveAll(l => l.Id == labelId);

    /// <summary>An agent removes a label; null (no activity line) when the conversation does not have it.</summary>
    public ActivityData? RemoveLabel(Label label, Actor by) =>
        _labels.RemoveAll(l => l.Id == label.Id) > 0 ? ActivityText.LabelRemoved(label.Name, by) : null;

    private bool AddLabelCore(Label label)
    {
        if (_labels.Any(l => ReferenceEquals(l, label) || (label.Id != 0 && l.Id == label.Id)))
        {
            return false;
        }

        _labels.Add(label);
        return true;
    }

    /// <summary>The list's one-line preview of a message (also written by the inbound and Keep Alive SQL paths).</summary>
    public static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= PreviewLength ? oneLine : Channels.TextParts.Prefix(oneLine, PreviewLength - 1) + "…";
    }
}
