namespace TalkToMe.Core.Reports;

/// <summary>
/// What a <see cref="ReportCount"/> row counts. Each is written on the local day (Brasília) the event happened, and
/// attributed to one agent (see <see cref="ReportTimeline"/> for the exact definitions).
/// </summary>
public enum ReportMetric
{
    /// <summary>A conversation began; Bucket is its local hour (0–23), for the weekday × hour heat map.</summary>
    Opened = 0,

    /// <summary>Resolved by an agent (Bucket 0) or by the bot (Bucket 1); Sum is the agent replies it had by then.</summary>
    Resolved = 1,

    /// <summary>Closed by Keep Alive because the customer went silent: counted apart from resolutions.</summary>
    KeepAliveClosed = 2,

    /// <summary>A resolved conversation opened again (by an agent, or by the exit flow handing it to people).</summary>
    Reopened = 3,

    /// <summary>First agent reply after the customer's first message; Bucket is a duration bucket, Sum the seconds.</summary>
    FirstResponse = 4,

    /// <summary>The same for the bot's first reply, counted apart.</summary>
    BotFirstResponse = 5,

    /// <summary>From the start of the episode (creation or reopen) to an agent or bot resolution; Bucket and Sum as above.</summary>
    ResolutionTime = 6,

    /// <summary>An agent's reply to the customer (never a private note).</summary>
    Replies = 7,

    /// <summary>A bot reply.</summary>
    BotReplies = 8,

    /// <summary>A customer satisfaction answer; Bucket is the score (1–5).</summary>
    Csat = 9,

    /// <summary><see cref="FirstResponse"/> counted only within the channel's business hours (calendar time when it has none).</summary>
    FirstResponseBusiness = 10,

    /// <summary><see cref="BotFirstResponse"/> counted only within the channel's business hours.</summary>
    BotFirstResponseBusiness = 11,

    /// <summary><see cref="ResolutionTime"/> counted only within the channel's business hours.</summary>
    ResolutionTimeBusiness = 12,
}

public static class ReportMetrics
{
    /// <summary>The duration metrics and their business-hours twins, which every duration event writes side by side.</summary>
    public static readonly IReadOnlyList<(ReportMetric Calendar, ReportMetric Business)> Durations =
    [
        (ReportMetric.FirstResponse, ReportMetric.FirstResponseBusiness),
        (ReportMetric.BotFirstResponse, ReportMetric.BotFirstResponseBusiness),
        (ReportMetric.ResolutionTime, ReportMetric.ResolutionTimeBusiness),
    ];

    /// <summary>The metric a report reads for <paramref name="metric"/> when it counts within business hours or not.</summary>
    public static ReportMetric Read(ReportMetric metric, bool businessHours) =>
        businessHours ? Durations.Where(d => d.Calendar == metric).Select(d => d.Business).DefaultIfEmpty(metric).First() : metric;

    /// <summary>The metrics a report in this mode never reads (the other mode's durations).</summary>
    public static ReportMetric[] Unread(bool businessHours) =>
        Durations.Select(d => businessHours ? d.Calendar : d.Business).ToArray();
}
