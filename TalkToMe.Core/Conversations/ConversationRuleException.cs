namespace TalkToMe.Core.Conversations;

/// <summary>
/// A refused operation with a message for the person who tried it, shown as is: from <see cref="ServerText"/>, so in the
/// reader's language where the web layer installed its resources (pt-BR otherwise).
/// </summary>
public sealed class ConversationRuleException(string message) : Exception(message);
