using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Reports;

/// <summary>
/// What a report covers: local days <see cref="From"/> to <see cref="To"/> (both included, Brasília), optionally one
/// channel, the channels of one group, one agent (an agent's own report always names them) and one label (the
/// conversations that carry it now). With <see cref="BusinessHours"/> its durations count only the time within each
/// channel's business hours.
/// </summary>
public sealed record ReportFilter(DateOnly From, DateOnly To, int? ChannelId = null, int? ChannelGroupId = null, string? AgentId = null,
    bool BusinessHours = false, int? LabelId = null)
{
    public const int MaxDays = 366;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>The period just before, as long as this one: the KPI cards compare against it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ReportFilter Previous => this with { From = From.AddDays(-Days), To = From.AddDays(-1) };

    /// <summary>Field name → message, empty when the filter can run.</summary>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var errors = new Dictionary<string, string>();
        if (To < From)
        {
            errors["to"] = ServerText.Get("Error.ReportRangeOrder", "A data final deve ser igual ou posterior à inicial.");
        }
        else if (Days > MaxDays)
        {
            errors["to"] = ServerText.Get("Error.ReportRangeTooLong", "O período pode ter no máximo 366 dias.");
        }

        return errors;
    }
}

/// <summary>A duration metric over a period: how many, the mean, median and 90th percentile (seconds; null when none).</summary>
public sealed record DurationStats(long Count, double? Average, double? Median, double? P90);

public sealed record ReportTotals(
    long Opened,
    long Resolved,
    long ResolvedByBot,
    long KeepAliveClosed,
    long Reopened,
    DurationStats FirstResponse,
    DurationStats BotFirstResponse,
    DurationStats ResolutionTime,
    long AgentReplies,
    long BotReplies,
    double? RepliesPerConversation,
    long CsatCount,
    double? CsatAverage,
    double? CsatSatisfiedShare);

public sealed record ReportDay(DateOnly Date, IReadOnlyDictionary<int, long> OpenedByChannel, double? FirstResponseMedian,
    double? FirstResponseP90);

public sealed record ReportRow(string Key, string Name, ReportTotals Totals);

public sealed record ReportResult(
    ReportFilter Filter,
    ReportTotals Totals,
    ReportTotals PreviousTotals,
    IReadOnlyList<ReportDay> Days,
    IReadOnlyDictionary<int, string> ChannelNames,
    long[][] OpenedByWeekdayHour,
    long[] CsatDistribution,
    IReadOnlyList<ReportRow> ByAgent,
    IReadOnlyList<ReportRow> ByChannel);

/// <summary>
/// Reads reports from the per-day rollups (<see cref="ReportCount"/>): a few indexed range reads, each at the smallest grain
/// its filter allows. A label filter is the exception: see <see cref="LabelledCountsAsync"/>.
/// </summary>
public sealed class ReportQuery(IDbContextFactory<TalkToMeDbContext> contexts)
{
    public const string NoAgentKey = "";

    public async Task<ReportResult> GetAsync(ReportFilter filter, CancellationToken cancellationToken = default)
    {
        if (filter.Validate() is { Count: > 0 } errors)
        {
            throw new ReportFilterException(errors);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        int[]? channels = null;
        if (filter.ChannelGroupId is { } groupId)
        {
            channels = await db.ChannelGroups.Where(g => g.Id == groupId).SelectMany(g => g.Channels.Select(c => c.Id)).ToArrayAsync(cancellationToken);
        }

        if (filter.ChannelId is { } channelId)
        {
            channels = channels is null ? [channelId] : channels.Where(c => c == channelId).ToArray();
        }

        // Each part reads the coarsest grain that still has its breakdown (see ReportGrain): an admin's report reads the
        // channel grain for everything but the agents' table, an agent's report the agent grain; the channel × agent grain
        // only when one splits or filters by the other.
        var counts = filter.LabelId is { } labelId
            ? await LabelledCountsAsync(db, labelId, channels, filter, cancellationToken)
            : db.ReportCounts.AsNoTracking();
        var agentId = filter.AgentId;
        var scope = agentId is null ? ReportGrain.Channel : channels is null ? ReportGrain.Agent : ReportGrain.ChannelAgent;
        var agentsGrain = channels is null ? ReportGrain.Agent : ReportGrain.ChannelAgent;
        var channelsGrain = agentId is null ? ReportGrain.Channel : ReportGrain.ChannelAgent;
        var business = filter.BusinessHours;
        var unread = ReportMetrics.Unread(business);
        IQueryable<ReportCount> Read(ReportGrain grain, int from, int to)
        {
            var query = counts.Where(r => r.Grain == grain && r.Day >= from && r.Day <= to && !unread.Contains(r.Metric));
            if (channels is not null && grain is not (ReportGrain.Agent or ReportGrain.AgentWeek))
            {
                query = query.Where(r => channels.Contains(r.ChannelId));
            }

            return agentId is not null && grain != ReportGrain.Channel ? query.Where(r => r.AgentId == agentId) : query;
        }

        // The previous period only needs its totals, summed by the database. The current one's cells are read as kept:
        // at the scope's grain they are already one per (day, channel, metric, bucket), what the days and heat map need.
        int start = filter.From.DayNumber, end = filter.To.DayNumber;
        var previousCells = await ListAsync(Read(scope, filter.Previous.From.DayNumber, start - 1)
            .GroupBy(r => new { r.Metric, r.Bucket })
            .Select(g => new Cell(0, 0, NoAgentKey, g.Key.Metric, g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))), cancellationToken);
        var current = await ListAsync(Read(scope, start, end)
            .Select(r => new Cell(r.Day, r.ChannelId, NoAgentKey, r.Metric, r.Bucket, r.Count, r.Sum)), cancellationToken);
        var channelCells = channelsGrain == scope
            ? current
            : await ListAsync(Read(channelsGrain, start, end)
                .GroupBy(r => new { r.ChannelId, r.Metric, r.Bucket })
                .Select(g => new Cell(0, g.Key.ChannelId, NoAgentKey, g.Key.Metric, g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))),
                cancellationToken);
        // An agent's cells may come from two or three reads (whole weeks, edge days): the table sums them per agent anyway.
        var agentCells = new List<Cell>();
        foreach (var (grain, from, to) in AgentRanges(agentsGrain, start, end))
        {
            agentCells.AddRange(await ListAsync(Read(grain, from, to)
                .GroupBy(r => new { r.AgentId, r.Metric, r.Bucket })
                .Select(g => new Cell(0, 0, g.Key.AgentId, g.Key.Metric, g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))), cancellationToken));
        }

        var channelNames = await db.Channels.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var agentIds = agentCells.Select(r => r.AgentId).Where(a => a != NoAgentKey).Distinct().ToArray();
        var agentNames = await db.Users.AsNoTracking().Where(u => agentIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);

        var days = new List<ReportDay>();
        var byDay = current.ToLookup(r => r.Day);
        for (var day = filter.From.DayNumber; day <= filter.To.DayNumber; day++)
        {
            var cells = byDay[day].ToList();
            var opened = cells.Where(c => c.Metric == ReportMetric.Opened).GroupBy(c => c.ChannelId).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
            var first = Durations(cells, ReportMetrics.Read(ReportMetric.FirstResponse, business));
            days.Add(new ReportDay(DateOnly.FromDayNumber(day), opened, first.Median, first.P90));
        }

        var heat = Enumerable.Range(0, 7).Select(_ => new long[24]).ToArray();
        foreach (var cell in current.Where(c => c.Metric == ReportMetric.Opened && c.Bucket is >= 0 and < 24))
        {
            heat[(int)DateOnly.FromDayNumber(cell.Day).DayOfWeek][cell.Bucket] += cell.Count;
        }

        var csat = new long[5];
        foreach (var cell in current.Where(c => c.Metric == ReportMetric.Csat && c.Bucket is >= 1 and <= 5))
        {
            csat[cell.Bucket - 1] += cell.Count;
        }

        var byAgent = agentCells
            .GroupBy(c => c.AgentId)
            .Select(g => new ReportRow(g.Key, g.Key == NoAgentKey ? "" : agentNames.GetValueOrDefault(g.Key, g.Key), Totals(g, business)))
            .OrderBy(r => r.Key == NoAgentKey).ThenBy(r => r.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
        var byChannel = channelCells.GroupBy(c => c.ChannelId)
            .Select(g => new ReportRow(g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                channelNames.GetValueOrDefault(g.Key, $"#{g.Key}"), Totals(g, business)))
            .OrderBy(r => r.Name, StringComparer.CurrentCultureIgnoreCase).ToList();

        return new ReportResult(filter, Totals(current, business), Totals(previousCells, business), days,
            channelNames, heat, csat, byAgent, byChannel);
    }

    /// <summary>
    /// What the agents' table reads for days <paramref name="start"/> to <paramref name="end"/>: over every channel, the
    /// range's whole weeks (Monday to Sunday) from the week grain and the days before and after them from the day grain,
    /// about a quarter of the rows of a 30-day range; otherwise <paramref name="grain"/>'s days.
    /// </summary>
    private static IEnumerable<(ReportGrain Grain, int From, int To)> AgentRanges(ReportGrain grain, int start, int end)
    {
        // The first Monday on or after the start, and the last whose week ends by the end.
        int firstWeek = ReportCalendar.WeekOf(start + 6), lastWeek = ReportCalendar.WeekOf(end - 6);
        if (grain != ReportGrain.Agent || firstWeek > lastWeek)
        {
            yield return (grain, start, end);
            yield break;
        }

        if (start < firstWeek)
        {
            yield return (ReportGrain.Agent, start, firstWeek - 1);
        }

        yield return (ReportGrain.AgentWeek, firstWeek, lastWeek);
        if (lastWeek + 6 < end)
        {
            yield return (ReportGrain.Agent, lastWeek + 7, end);
        }
    }

    /// <summary>
    /// The cells of the conversations that carry the label now, recounted from their messages. A label is put on and taken
    /// off at any time, after the events the rollups counted as they happened, so no kept cell can say which conversations
    /// carry it today; recounting them with the rollups' own walk (<see cref="ReportTimeline"/>) gives the same definitions,
    /// and the same reads below. Only the label's conversations that began, or had a message, in the period or the one
    /// before are walked. Business-hours durations use each channel's current hours.
    /// </summary>
    private static async Task<IQueryable<ReportCount>> LabelledCountsAsync(TalkToMeDbContext db, int labelId, int[]? channels,
        ReportFilter filter, CancellationToken cancellationToken)
    {
        // A day wider on each side than the local days asked for: Read cuts the cells to the exact days.
        var from = filter.Previous.From.AddDays(-1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var to = filter.To.AddDays(2).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var conversations = db.Conversations.Where(c => c.Labels.Any(l => l.Id == labelId) && c.CreatedAt < to
            && (c.CreatedAt >= from || db.Messages.Any(m => m.ConversationId == c.Id && m.CreatedAt >= from)));
        if (channels is not null)
        {
            conversations = conversations.Where(c => channels.Contains(c.ChannelId));
        }

        return (await ReportRollups.CountAsync(db, conversations, channels, cancellationToken)).AsQueryable();
    }

    // The label's cells are in memory, where EF's async operators do not run.
    private static Task<List<T>> ListAsync<T>(IQueryable<T> query, CancellationToken cancellationToken) =>
        query is IAsyncEnumerable<T> ? query.ToListAsync(cancellationToken) : Task.FromResult(query.ToList());

    private static ReportTotals Totals(IEnumerable<Cell> cells, bool business)
    {
        var list = cells as IReadOnlyCollection<Cell> ?? cells.ToList();
        long Count(ReportMetric metric, int? bucket = null) =>
            list.Where(c => c.Metric == metric && (bucket is null || c.Bucket == bucket)).Sum(c => c.Count);
        long Sum(ReportMetric metric) => list.Where(c => c.Metric == metric).Sum(c => c.Sum);

        var resolved = Count(ReportMetric.Resolved);
        var csatCount = Count(ReportMetric.Csat);
        return new ReportTotals(
            Count(ReportMetric.Opened),
            resolved,
            Count(ReportMetric.Resolved, ReportTimeline.BotResolution),
            Count(ReportMetric.KeepAliveClosed),
            Count(ReportMetric.Reopened),
            Durations(list, ReportMetrics.Read(ReportMetric.FirstResponse, business)),
            Durations(list, ReportMetrics.Read(ReportMetric.BotFirstResponse, business)),
            Durations(list, ReportMetrics.Read(ReportMetric.ResolutionTime, business)),
            Count(ReportMetric.Replies),
            Count(ReportMetric.BotReplies),
            resolved == 0 ? null : (double)Sum(ReportMetric.Resolved) / resolved,
            csatCount,
            csatCount == 0 ? null : (double)Sum(ReportMetric.Csat) / csatCount,
            csatCount == 0 ? null : (double)list.Where(c => c.Metric == ReportMetric.Csat && c.Bucket >= 4).Sum(c => c.Count) / csatCount);
    }

    /// <summary>Mean from the exact sums; median and p90 from the buckets (within one bucket, ±5 %).</summary>
    private static DurationStats Durations(IEnumerable<Cell> cells, ReportMetric metric)
    {
        var histogram = cells.Where(c => c.Metric == metric).GroupBy(c => c.Bucket)
            .Select(g => (Bucket: g.Key, Count: g.Sum(c => c.Count), Sum: g.Sum(c => c.Sum))).OrderBy(b => b.Bucket).ToList();
        var count = histogram.Sum(b => b.Count);
        if (count == 0)
        {
            return new DurationStats(0, null, null, null);
        }

        // The mean of the bucket's values (its sum is exact): the true value when they are all alike, within the bucket otherwise.
        static double ValueOf((int Bucket, long Count, long Sum) bucket) =>
            bucket.Count > 0 ? (double)bucket.Sum / bucket.Count : ReportCalendar.SecondsOf(bucket.Bucket);

        double Percentile(double p)
        {
            // The nearest-rank percentile: the smallest value with at least p of the values at or below it.
            var rank = (long)Math.Ceiling(p * count);
            long seen = 0;
            foreach (var bucket in histogram)
            {
                seen += bucket.Count;
                if (seen >= rank)
                {
                    return ValueOf(bucket);
                }
            }

            return ValueOf(histogram[^1]);
        }

        return new DurationStats(count, (double)histogram.Sum(b => b.Sum) / count, Percentile(0.5), Percentile(0.9));
    }

    private sealed record Cell(int Day, int ChannelId, string AgentId, ReportMetric Metric, int Bucket, long Count, long Sum);
}

/// <summary>A report filter that cannot run; <see cref="Errors"/> maps each field to its message.</summary>
public sealed class ReportFilterException(IReadOnlyDictionary<string, string> errors)
    : Exception(string.Join(" ", errors.Values))
{
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;
}
