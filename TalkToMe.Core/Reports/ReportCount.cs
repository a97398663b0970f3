namespace TalkToMe.Core.Reports;

/// <summary>
/// One per-day rollup cell: how many times <see cref="Metric"/> happened on <see cref="Day"/> (a local date as
/// <see cref="DateOnly.DayNumber"/>) on one channel for one agent ("" for none), and the sum of its values (seconds, replies).
/// Reports read these instead of scanning messages; they are kept up to date by every unit of work that touches a
/// conversation (<see cref="ReportRollups"/>) and can be rebuilt from the messages.
/// </summary>
public class ReportCount
{
    private ReportCount() { }

    public ReportCount(int day, int channelId, string agentId, ReportMetric metric, int bucket, long count, long sum)
    {
        Day = day;
        ChannelId = channelId;
        AgentId = agentId;
        Metric = metric;
        Bucket = bucket;
        Count = count;
        Sum = sum;
    }

    public int Day { get; private set; }
    public int ChannelId { get; private set; }
    public string AgentId { get; private set; } = "";
    public ReportMetric Metric { get; private set; }
    public int Bucket { get; private set; }
    public long Count { get; private set; }
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
}
