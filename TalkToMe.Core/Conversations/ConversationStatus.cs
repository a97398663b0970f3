namespace TalkToMe.Core.Conversations;

public enum ConversationStatus
{
    Open = 0,
    Pending = 1,
    Snoozed = 2,
    Resolved = 3,
}

public enum ConversationPriority
{
    None = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Urgent = 4,
}
