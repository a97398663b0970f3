namespace TalkToMe.Core.Conversations;

/// <summary>
/// A message a channel adapter parsed and verified: the one shape every inbound path hands to <see cref="InboundWriter"/>.
/// <paramref name="LookUpProfile"/>: the webhook carries no sender name (Messenger, Instagram, LINE), so a message that
/// starts a conversation with a contact still named by its id queues a profile look-up in the same transaction.
/// <paramref name="Answer"/>: the customer picked an option instead of typing (a WhatsApp list row): what a waiting flow
/// reads ("4" for the row "avaliacao:4"), while the thread shows <paramref name="Text"/>, the option's title ("4 - Bom").
/// </summary>
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
    string? Subject = null,
    bool LookUpProfile = false,
    string? Answer = null)
{
    /// <summary>The files, places and contact cards the message carries (stored with it, fetched afterwards); empty for text.</summary>
    public IReadOnlyList<Media.InboundMedia> Media { get; init; } = [];
}

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
