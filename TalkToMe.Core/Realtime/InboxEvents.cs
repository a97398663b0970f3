using System.Text.Json.Serialization;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Realtime;

/// <summary>Something an open inbox must show: published after the transaction that caused it has committed.</summary>
public abstract record InboxEvent(int ConversationId, int ChannelId);

public sealed record ConversationChanged(int ConversationId, int ChannelId, ConversationStatus Status, string? AssigneeId)
    : InboxEvent(ConversationId, ChannelId);

/// <summary>
/// A message stored in a conversation. Besides the ids, what a hub client (an integration) needs to show or act on it
/// without reading it back: filled from what the writer already holds, never from an extra query. The enums travel as
/// names ("Incoming", "PrivateNote"…), as the /api/v1 conversation API writes them. Private notes carry their text too
/// (hub clients are agents, who see notes); <see cref="Private"/> tells them apart from what the customer sees.
/// </summary>
public sealed record MessageAdded(int ConversationId, int ChannelId, long MessageId) : InboxEvent(ConversationId, ChannelId)
{
    /// <summary>For an activity line, what happened (kind and arguments), so hub clients can render it in their own language.</summary>
    public ActivityData? Activity { get; init; }

    public string? Text { get; init; }

    /// <summary>True for a private note (agents only, never sent to the customer).</summary>
    public bool? Private { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<MessageKind>))]
    public MessageKind? Kind { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<MessageDirection>))]
    public MessageDirection? Direction { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<SenderType>))]
    public SenderType? SenderType { get; init; }

    public string? SenderName { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<DeliveryStatus>))]
    public DeliveryStatus? DeliveryStatus { get; init; }

    public DateTime? CreatedAt { get; init; }

    /// <summary>The conversation's status once the message was stored; null when the writer did not have it at hand.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<ConversationStatus>))]
    public ConversationStatus? ConversationStatus { get; init; }

    /// <summary>The event of a message just saved (its id read now, once the row has one), with what the message itself says.</summary>
    public static MessageAdded Of(Message message, long messageId, ConversationStatus? conversationStatus) =>
        new(message.ConversationId, message.ChannelId, messageId)
        {
            // Only an activity line's data is news for hub clients: a rating question carries its mark in the same column.
            Activity = message.Kind == MessageKind.Activity ? message.ActivityData : null,
            Text = message.Content,
            Private = message.Kind == MessageKind.PrivateNote,
            Kind = message.Kind,
            Direction = message.Direction,
            SenderType = message.SenderType,
            SenderName = message.SenderName,
            DeliveryStatus = message.DeliveryStatus,
            CreatedAt = message.CreatedAt,
            ConversationStatus = conversationStatus,
        };
}

public sealed record MessageUpdated(int ConversationId, int ChannelId, long MessageId) : InboxEvent(ConversationId, ChannelId);
