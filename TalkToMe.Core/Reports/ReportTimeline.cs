using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Reports;

/// <summary>What <see cref="ReportTimeline"/> reads of a message.</summary>
public sealed record ReportMessage(long Id, MessageDirection Direction, MessageKind Kind, SenderType SenderType, string? SenderId,
    DateTime CreatedAt, ActivityData? Activity);

/// <summary>
/// The metrics' definitions, as one walk over a conversation's messages in order. Both the rollups kept by each unit of
/// work and the rebuild run this, so they cannot disagree on what a metric means.
/// <list type="bullet">
/// <item><b>Opened</b>: the conversation's creation, on its day and hour; no agent.</item>
/// <item><b>First response</b>: from the customer's first message to the first agent reply after it (a message to the
/// customer: never a private note, an activity line or a Keep Alive message), on the reply's day, for the agent who
/// replied; once per conversation. The bot's first reply is measured the same way and counted apart.</item>
/// <item><b>Resolved</b>: an agent's or the bot's resolution of a conversation that was not resolved; attributed to the agent
/// who last replied. <b>Resolution time</b>: from the conversation's creation, or from its last reopening, to that
/// resolution. A Keep Alive closure is counted apart and has no resolution time.</item>
/// <item><b>Reopened</b>: a resolved conversation opened again (an agent's "Reabrir" or the exit flow's hand-off); the
/// customer answering the exit flow is not a reopening (a new customer message to a resolved conversation starts a new
/// conversation).</item>
/// <item><b>Replies per conversation</b>: agent replies the conversation had when it was resolved, averaged over resolutions.</item>
/// <item><b>CSAT</b>: each "Avaliação" answer, on its day, for the agent who last replied.</item>
/// </list>
/// Every duration is written twice: in calendar time, and counted only within the channel's business hours
/// (<see cref="BusinessSeconds"/>; the same as calendar time on a channel without them), so a report can show either.
/// </summary>
public static class ReportTimeline
{
    /// <summary>Seconds from one instant to another that fall within a channel's business hours.</summary>
    public delegate long BusinessSeconds(int channelId, DateTime fromUtc, DateTime toUtc);

    public const int AgentResolution = 0;
    public const int BotResolution = 1;

    /// <summary>A rollup delta: one more event (and its value) in a cell.</summary>
    public readonly record struct Delta(int ConversationId, int Day, int ChannelId, string AgentId, ReportMetric Metric, int Bucket, long Sum);

    public static void Start(ConversationReportState state, DateTime createdAt, ICollection<Delta> sink) =>
        sink.Add(new Delta(state.ConversationId, ReportCalendar.DayOf(createdAt), state.ChannelId, "", ReportMetric.Opened, ReportCalendar.Local(createdAt).Hour, 0));

    public static void Apply(ConversationReportState state, ReportMessage message, ICollection<Delta> sink, BusinessSeconds? business = null)
    {
        state.LastMessageId = Math.Max(state.LastMessageId, message.Id);
        var at = message.CreatedAt;
        var day = ReportCalendar.DayOf(at);
        var lastAgent = state.LastAgentId ?? "";
        switch (message.Kind)
        {
            case MessageKind.Text when message.Direction == MessageDirection.Incoming:
                state.FirstCustomerMessageAt ??= at;
                break;

            case MessageKind.Text when message.SenderType == SenderType.Agent:
                var agent = message.SenderId ?? "";
                state.AgentReplies++;
                state.LastAgentId = message.SenderId ?? state.LastAgentId;
                sink.Add(new Delta(state.ConversationId, day, state.ChannelId, agent, ReportMetric.Replies, 0, 1));
                if (state.FirstCustomerMessageAt is { } asked && !state.AgentResponded)
                {
                    state.AgentResponded = true;
                    AddDuration(state, asked, at, day, agent, ReportMetric.FirstResponse, business, sink);
                }

                break;

            case MessageKind.Text when message.SenderType == SenderType.Bot:
                sink.Add(new Delta(state.ConversationId, day, state.ChannelId, "", ReportMetric.BotReplies, 0, 1));
                if (state.FirstCustomerMessageAt is { } botAsked && !state.BotResponded)
                {
                    state.BotResponded = true;
                    AddDuration(state, botAsked, at, day, "", ReportMetric.BotFirstResponse, business, sink);
                }

                break;

            case MessageKind.Activity when message.Activity is { } activity:
                ApplyActivity(state, activity, at, day, lastAgent, business, sink);
                break;
        }
    }

    private static void ApplyActivity(ConversationReportState state, ActivityData activity, DateTime at, int day, string lastAgent,
        BusinessSeconds? business, ICollection<Delta> sink)
    {
        switch (activity.Kind)
        {
            case ActivityKind.Resolved or ActivityKind.BotResolved when !state.IsResolved:
                state.IsResolved = true;
                var by = activity.Kind == ActivityKind.BotResolved ? BotResolution : AgentResolution;
                sink.Add(new Delta(state.ConversationId, day, state.ChannelId, lastAgent, ReportMetric.Resolved, by, state.AgentReplies));
                AddDuration(state, state.EpisodeStartedAt, at, day, lastAgent, ReportMetric.ResolutionTime, business, sink);
                break;

            case ActivityKind.KeepAliveClosed when !state.IsResolved:
                state.IsResolved = true;
                sink.Add(new Delta(state.ConversationId, day, state.ChannelId, lastAgent, ReportMetric.KeepAliveClosed, 0, 0));
                break;

            case ActivityKind.Reopened or ActivityKind.BotHandedOff when state.IsResolved:
                state.IsResolved = false;
                state.EpisodeStartedAt = at;
                sink.Add(new Delta(state.ConversationId, day, state.ChannelId, lastAgent, ReportMetric.Reopened, 0, 0));
                break;

            case ActivityKind.Rated when activity.Score is >= 1 and <= 5:
                sink.Add(new Delta(state.ConversationId, day, state.ChannelId, lastAgent, ReportMetric.Csat, activity.Score.Value, activity.Score.Value));
                break;
        }
    }

    private static void AddDuration(ConversationReportState state, DateTime from, DateTime to, int day, string agent, ReportMetric metric,
        BusinessSeconds? business, ICollection<Delta> sink)
    {
        var seconds = ReportCalendar.Seconds(from, to);
        sink.Add(new Delta(state.ConversationId, day, state.ChannelId, agent, metric, ReportCalendar.BucketOf(seconds), seconds));
        var within = business is null ? seconds : Math.Clamp(business(state.ChannelId, from, to), 0, seconds);
        sink.Add(new Delta(state.ConversationId, day, state.ChannelId, agent, ReportMetrics.Read(metric, businessHours: true), ReportCalendar.BucketOf(within), within));
    }
}
