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

    /// <summary>When the next Keep Alive step is due; indexed, so the engine reads only what is due.</summary>
    public DateTime? KeepAliveDueAt { get; private set; }

    /// <summary>Flow run state: which flow holds the conversation and at which step (null when no flow runs).</summary>
    public int? FlowId { get; private set; }
    public int? FlowStepIndex { get; private set; }

    /// <summary>Answers stored by flows on the conversation, as a JSON object.</summary>
    public string AttributesJson { get; private set; } = "{}";

    /// <summary>E-mail conversations: the subject replies carry ("Re: …"); null for other channels.</summary>
    public string? Subject { get; private set; }

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

    public void MarkRead() => UnreadCount = 0;

    public void MarkUnread() => UnreadCount = Math.Max(UnreadCount, 1);

    public void Assign(string? agentId) => AssigneeId = agentId;

    public void SetPriority(ConversationPriority priority) => Priority = priority;

    public void Resolve(DateTime at)
    {
        Status = ConversationStatus.Resolved;
        ResolvedAt = at;
        SnoozedUntil = null;
        ClearKeepAlive();
    }

    public void Reopen()
    {
        Status = ConversationStatus.Open;
        ResolvedAt = null;
        SnoozedUntil = null;
    }

    public void MarkPending() => Status = ConversationStatus.Pending;

    public void Snooze(DateTime until)
    {
        Status = ConversationStatus.Snoozed;
        SnoozedUntil = until;
        ClearKeepAlive();
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

    public void SetSubject(string? subject) => Subject = NormalizeSubject(subject);

    public static string? NormalizeSubject(string? subject)
    {
        // One line: a subject goes into a mail header, where a line break would start a header of its own.
        var value = subject is null ? null : string.Join(' ', subject.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return string.IsNullOrEmpty(value) ? null : value.Length > SubjectLength ? Channels.TextParts.Prefix(value, SubjectLength) : value;
    }

    public void AddLabel(Label label)
    {
        if (!_labels.Any(l => ReferenceEquals(l, label) || (label.Id != 0 && l.Id == label.Id)))
        {
            _labels.Add(label);
        }
    }

    public void RemoveLabel(int labelId) => _labels.RemoveAll(l => l.Id == labelId);

    /// <summary>The list's one-line preview of a message (also written by the inbound and Keep Alive SQL paths).</summary>
    public static string Shorten(string text)
    {
        var oneLine = text.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= PreviewLength ? oneLine : Channels.TextParts.Prefix(oneLine, PreviewLength - 1) + "…";
    }
}
