using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Realtime;

/// <summary>Something an open inbox must show: published after the transaction that caused it has committed.</summary>
public abstract record InboxEvent(int ConversationId, int ChannelId);

public sealed record ConversationChanged(int ConversationId, int ChannelId, ConversationStatus Status, string? AssigneeId)
    : InboxEvent(ConversationId, ChannelId);

public sealed record MessageAdded(int ConversationId, int ChannelId, long MessageId) : InboxEvent(ConversationId, ChannelId)
{
    /// <summary>For an activity line, what happened (kind and arguments), so hub clients can render it in their own language.</summary>
    public ActivityData? Activity { get; init; }
}

public sealed record MessageUpdated(int ConversationId, int ChannelId, long MessageId) : InboxEvent(ConversationId, ChannelId);
