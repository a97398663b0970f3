namespace TalkToMe.Core.Conversations;

/// <summary>What an activity line says happened; the reader's UI renders it in their language from this.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ActivityKind>))]
public enum ActivityKind
{
    Resolved,
    Reopened,
    SnoozeEnded,
    Assigned,
    Unassigned,
    Snoozed,
    PriorityChanged,
    LabelAdded,
    LabelRemoved,
    Started,
    MessageSent,
    NoteAdded,
    MacroRun,
    EntryFlowStarted,
    ExitFlowStarted,
    FlowStopped,
    BotHandedOff,
    BotResolved,
    KeepAliveInactivitySent,
    KeepAliveClosed,
    Rated,
    AutoAssigned,
    ReturnedToQueue,

    /// <summary>Not an activity line: the mark of an outgoing "Avaliação" question (see <see cref="Messaging.Message.RatingQuestion"/>).</summary>
    RatingRequested,
}

/// <summary>
/// An activity line as data (stored as JSON beside the pt-BR Content): the kind plus the names and values it mentions.
/// Names are kept as they were when it happened, as the stored sentence kept them.
/// </summary>
public sealed record ActivityData(ActivityKind Kind)
{
    /// <summary>Who did it; null when the system did (rendered as "Sistema"/"System" in the reader's language).</summary>
    public string? Actor { get; init; }

    public string? Assignee { get; init; }
    public string? Label { get; init; }
    public ConversationPriority? Priority { get; init; }

    /// <summary>Snoozed until, UTC; the reader sees it in their time zone.</summary>
    public DateTime? Until { get; init; }

    /// <summary>The flow's or macro's name.</summary>
    public string? Name { get; init; }

    /// <summary>A bot hand-off's target group and agent, when it had them.</summary>
    public string? Group { get; init; }
    public string? Agent { get; init; }

    /// <summary>A customer satisfaction answer ("Avaliação"): the score, 1 to 5.</summary>
    public int? Score { get; init; }

    /// <summary>An "Avaliação" question's text, as the customer reads it above the scores.</summary>
    public string? Question { get; init; }
}
