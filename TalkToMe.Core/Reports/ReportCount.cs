namespace TalkToMe.Core.Reports;

/// <summary>
/// Which breakdown a <see cref="ReportCount"/> row belongs to. Every event is counted at each grain it can be read at, by the
/// same upsert, so a report reads the smallest one its filter allows: an admin's report over every agent reads the channel
/// grain (about 1/50 of the rows of the agent × channel one), an agent's own report reads the agent grain.
/// </summary>
public enum ReportGrain
{
    /// <summary>Per channel and agent: only for a report that filters both, or splits one by the other (an agent's channels).</summary>
    ChannelAgent = 0,

    /// <summary>Per channel, every agent together (AgentId is ""): totals, days, heat map and the channels' table.</summary>
    Channel = 1,

    /// <summary>Per agent, every channel together (ChannelId is 0): the agents' table and an agent's own totals.</summary>
    Agent = 2,

    /// <summary>
    /// The agent grain per week (Day is the week's Monday, <see cref="ReportCalendar.WeekOf"/>): the agents' table of a long
    /// range reads its whole weeks here and only the days at its edges from <see cref="Agent"/>, about a quarter of the rows.
    /// </summary>
    AgentWeek = 3,
}

/// <summary>
/// One per-day rollup cell: how many times <see cref="Metric"/> happened on <see cref="Day"/> (a local date as
/// <see cref="DateOnly.DayNumber"/>) at one <see cref="Grain"/> (one channel, one agent ("" for none), or both), and the
/// sum of its values (seconds, replies). Reports read these instead of scanning messages; they are kept up to date by
/// every unit of work that touches a conversation (<see cref="ReportRollups"/>) and can be rebuilt from the messages.
/// </summary>
public class ReportCount
{
    private ReportCount() { }

    public ReportCount(ReportGrain grain, int day, int channelId, string agentId, ReportMetric metric, int bucket, long count, long sum)
    {
        Grain = grain;
        Day = day;
        ChannelId = channelId;
        AgentId = agentId;
        Metric = metric;
        Bucket = bucket;
        Count = count;
        Sum = sum;
    }

    public ReportGrain Grain { get; private set; }
    public int Day { get; private set; }
    public int ChannelId { get; private set; }
    public string AgentId { get; private set; } = "";
    public ReportMetric Metric { get; private set; }
    public int Bucket { get; private set; }
    public long Count { get; private set; }
    public long Sum { get; private set; }

    /// <summary>The cells one timeline event adds to, one per grain that can be asked about it.</summary>
    public static IEnumerable<(ReportGrain Grain, int Day, int ChannelId, string AgentId, ReportMetric Metric, int Bucket)> CellsOf(
        ReportTimeline.Delta delta)
    {
        yield return (ReportGrain.Channel, delta.Day, delta.ChannelId, "", delta.Metric, delta.Bucket);
        // Openings and the bot's figures never belong to an agent: no report filtered by an agent, and not the agents'
        // table, reads them, so they are kept at the channel grain only.
        if (delta.Metric is not (ReportMetric.Opened or ReportMetric.BotReplies or ReportMetric.BotFirstResponse or ReportMetric.BotFirstResponseBusiness))
        {
            yield return (ReportGrain.Agent, delta.Day, 0, delta.AgentId, delta.Metric, delta.Bucket);
            yield return (ReportGrain.AgentWeek, ReportCalendar.WeekOf(delta.Day), 0, delta.AgentId, delta.Metric, delta.Bucket);
            yield return (ReportGrain.ChannelAgent, delta.Day, delta.ChannelId, delta.AgentId, delta.Metric, delta.Bucket);
        }
    }
}

/// <summary>
/// One conversation's share of the rollups: each <see cref="ReportTimeline.Delta"/> the units of work add to the cells, kept
/// with its conversation, but its opening (<see cref="Keeps"/>). What the cells cannot split by, because it changes after
/// the events were counted (the labels a conversation carries now), is summed from these: a label's conversations' events
/// of the period, read by conversation. Kept for conversations counted since they came in
/// (<see cref="ConversationReportState.EventsKept"/>).
/// </summary>
public class ReportEvent
{
    private ReportEvent() { }

    /// <summary>
    /// Whether the delta is kept as an event: all but the opening, which the conversation's own channel and creation time
    /// give (<see cref="ReportTimeline.Start"/>). A customer starting a conversation, the busiest write, so writes no event.
    /// </summary>
    public static bool Keeps(ReportTimeline.Delta delta) => delta.Metric != ReportMetric.Opened;

    public ReportEvent(ReportTimeline.Delta delta)
    {
        ConversationId = delta.ConversationId;
        Day = delta.Day;
        ChannelId = delta.ChannelId;
        AgentId = delta.AgentId;
        Metric = delta.Metric;
        Bucket = delta.Bucket;
        Sum = delta.Sum;
    }

    public long Id { get; private set; }
    public int ConversationId { get; private set; }
    public int Day { get; private set; }
    public int ChannelId { get; private set; }
    public string AgentId { get; private set; } = "";
    public ReportMetric Metric { get; private set; }
    public int Bucket { get; private set; }
    public long Sum { get; private set; }
}

/// <summary>
/// Where the rollups stand for one conversation: the last message already counted and what the count needs to go on
/// from there (resolved or not, when the customer first wrote, who answered last…).
/// </summary>
public class ConversationReportState
{
    private ConversationReportState() { }

    public ConversationReportState(int conversationId, int channelId, DateTime createdAt)
    {
        ConversationId = conversationId;
        ChannelId = channelId;
        EpisodeStartedAt = createdAt;
        EventsKept = true;
    }

    public int ConversationId { get; private set; }
    public int ChannelId { get; private set; }
    public long LastMessageId { get; internal set; }
    public bool IsResolved { get; internal set; }
    public DateTime EpisodeStartedAt { get; internal set; }
    public DateTime? FirstCustomerMessageAt { get; internal set; }
    public bool AgentResponded { get; internal set; }
    public bool BotResponded { get; internal set; }
    public string? LastAgentId { get; internal set; }
    public int AgentReplies { get; internal set; }

    /// <summary>
    /// Whether every <see cref="ReportEvent"/> of the conversation is kept: true for a conversation counted from its start,
    /// false for one counted before events were kept (its label reports recount it from its messages).
    /// </summary>
    public bool EventsKept { get; private set; }
}
