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
/// its filter allows. A label filter is the exception: see <see cref="ReportRollups.LabelledAsync"/>.
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
        var agentId = filter.AgentId;
        var scope = agentId is null ? ReportGrain.Channel : channels is null ? ReportGrain.Agent : ReportGrain.ChannelAgent;
        var agentsGrain = channels is null ? ReportGrain.Agent : ReportGrain.ChannelAgent;
        var channelsGrain = agentId is null ? ReportGrain.Channel : ReportGrain.ChannelAgent;
        var business = filter.BusinessHours;
        var unread = ReportMetrics.Unread(business);
        // A label's cells are summed here from its conversations' events (ReportRollups.LabelledAsync), at the grains read below.
        var labelled = filter.LabelId is { } labelId
            ? (await ReportRollups.LabelledAsync(db, labelId, channels, filter.Previous.From, filter.To,
                new HashSet<ReportGrain> { scope, agentsGrain, channelsGrain }, unread, cancellationToken)).AsQueryable()
            : null;
        Func<IQueryable<ReportCount>, IQueryable<ReportCount>> Read(ReportGrain grain, int from, int to) => counts =>
        {
            var query = counts.Where(r => r.Grain == grain && r.Day >= from && r.Day <= to && !unread.Contains(r.Metric));
            if (channels is not null && grain is not (ReportGrain.Agent or ReportGrain.AgentWeek))
            {
                query = query.Where(r => channels.Contains(r.ChannelId));
            }

            return agentId is not null && grain != ReportGrain.Channel ? query.Where(r => r.AgentId == agentId) : query;
        };

        // The reads below do not depend on each other: each runs on a context of its own, all at once (SQLite's readers do
        // not wait for each other; PostgreSQL answers each on its own connection), so the report takes about its longest read.
        async Task<List<Cell>> ListAsync(Func<IQueryable<ReportCount>, IQueryable<ReportCount>> read, Func<IQueryable<ReportCount>, IQueryable<Cell>> shape)
        {
            if (labelled is not null)
            {
                return shape(read(labelled)).ToList();
            }

            await using var own = await contexts.CreateDbContextAsync(cancellationToken);
            return await shape(read(own.ReportCounts.AsNoTracking())).ToListAsync(cancellationToken);
        }

        // The database sums what each part needs: the previous period's totals; the period per channel (the channels' table
        // and, summed, the KPI cards and CSAT); per day, the openings by channel and hour (days and heat map) and the first
        // responses' buckets (their median and p90 a day). The raw day cells of a month at the channel grain are ~40,000.
        int start = filter.From.DayNumber, end = filter.To.DayNumber;
        var firstResponse = ReportMetrics.Read(ReportMetric.FirstResponse, business);
        var previousRead = ListAsync(Read(scope, filter.Previous.From.DayNumber, start - 1), cells => cells
            .GroupBy(r => new { r.Metric, r.Bucket })
            .Select(g => new Cell(0, 0, NoAgentKey, g.Key.Metric, g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))));
        var channelsRead = ListAsync(Read(channelsGrain, start, end), cells => cells
            .GroupBy(r => new { r.ChannelId, r.Metric, r.Bucket })
            .Select(g => new Cell(0, g.Key.ChannelId, NoAgentKey, g.Key.Metric, g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))));
        var openedRead = ListAsync(Read(scope, start, end), cells => cells
            .Where(r => r.Metric == ReportMetric.Opened)
            .Select(r => new Cell(r.Day, r.ChannelId, NoAgentKey, r.Metric, r.Bucket, r.Count, r.Sum)));
        var firstResponseRead = ListAsync(Read(scope, start, end), cells => cells
            .Where(r => r.Metric == firstResponse)
            .GroupBy(r => new { r.Day, r.Bucket })
            .Select(g => new Cell(g.Key.Day, 0, NoAgentKey, firstResponse, g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))));
        // An agent's cells may come from two or three reads (whole weeks, edge days): the table sums them per agent anyway.
        IEnumerable<(ReportGrain Grain, int From, int To)> agentRanges = labelled is null ? AgentRanges(agentsGrain, start, end) : [(agentsGrain, start, end)];
        var agentReads = agentRanges.Select(range => ListAsync(Read(range.Grain, range.From, range.To), cells => cells
            .GroupBy(r => new { r.AgentId, r.Metric, r.Bucket })
            .Select(g => new Cell(0, 0, g.Key.AgentId, g.Key.Metric, g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))))).ToList();
        // All of them awaited together: one that fails does not leave the others running unobserved.
        var agentsRead = Task.WhenAll(agentReads);
        await Task.WhenAll(previousRead, channelsRead, openedRead, firstResponseRead, agentsRead);
        var previousCells = await previousRead;
        var channelCells = await channelsRead;
        var openedCells = await openedRead;
        var firstResponseCells = (await firstResponseRead).ToLookup(c => c.Day);
        var agentCells = (await agentsRead).SelectMany(cells => cells).ToList();

        var channelNames = await db.Channels.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var agentIds = agentCells.Select(r => r.AgentId).Where(a => a != NoAgentKey).Distinct().ToArray();
        var agentNames = await db.Users.AsNoTracking().Where(u => agentIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);

        var days = new List<ReportDay>();
        var openedByDay = openedCells.ToLookup(r => r.Day);
        for (var day = filter.From.DayNumber; day <= filter.To.DayNumber; day++)
        {
            var opened = openedByDay[day].GroupBy(c => c.ChannelId).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
            var first = Durations(firstResponseCells[day], firstResponse);
            days.Add(new ReportDay(DateOnly.FromDayNumber(day), opened, first.Median, first.P90));
        }

        var heat = Enumerable.Range(0, 7).Select(_ => new long[24]).ToArray();
        foreach (var cell in openedCells.Where(c => c.Bucket is >= 0 and < 24))
        {
            heat[(int)DateOnly.FromDayNumber(cell.Day).DayOfWeek][cell.Bucket] += cell.Count;
        }

        var csat = new long[5];
        foreach (var cell in channelCells.Where(c => c.Metric == ReportMetric.Csat && c.Bucket is >= 1 and <= 5))
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

        // Every channel of the report is in its table (an agent's report: the channels they worked in), so the table summed is the total.
        return new ReportResult(filter, Totals(channelCells, business), Totals(previousCells, business), days,
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

    private static ReportTotals Totals(IEnumerable<Cell> cells, bool business)
    {
        // One pass over the cells (tens of thousands for an admin's month) into a few hundred (metric, bucket) sums; every
        // figure below is read from those.
        var sums = new Dictionary<(ReportMetric Metric, int Bucket), (long Count, long Sum)>();
        foreach (var cell in cells)
        {
            ref var sum = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(sums, (cell.Metric, cell.Bucket), out _);
            sum = (sum.Count + cell.Count, sum.Sum + cell.Sum);
        }

        long Count(ReportMetric metric, int? bucket = null) =>
            sums.Where(c => c.Key.Metric == metric && (bucket is null || c.Key.Bucket == bucket)).Sum(c => c.Value.Count);
        long Sum(ReportMetric metric) => sums.Where(c => c.Key.Metric == metric).Sum(c => c.Value.Sum);
        DurationStats DurationsOf(ReportMetric metric) => Durations(sums
            .Where(c => c.Key.Metric == ReportMetrics.Read(metric, business)).Select(c => (c.Key.Bucket, c.Value.Count, c.Value.Sum)));

        var resolved = Count(ReportMetric.Resolved);
        var csatCount = Count(ReportMetric.Csat);
        return new ReportTotals(
            Count(ReportMetric.Opened),
            resolved,
            Count(ReportMetric.Resolved, ReportTimeline.BotResolution),
            Count(ReportMetric.KeepAliveClosed),
            Count(ReportMetric.Reopened),
            DurationsOf(ReportMetric.FirstResponse),
            DurationsOf(ReportMetric.BotFirstResponse),
            DurationsOf(ReportMetric.ResolutionTime),
            Count(ReportMetric.Replies),
            Count(ReportMetric.BotReplies),
            resolved == 0 ? null : (double)Sum(ReportMetric.Resolved) / resolved,
            csatCount,
            csatCount == 0 ? null : (double)Sum(ReportMetric.Csat) / csatCount,
            csatCount == 0 ? null : (double)sums.Where(c => c.Key.Metric == ReportMetric.Csat && c.Key.Bucket >= 4).Sum(c => c.Value.Count) / csatCount);
    }

    private static DurationStats Durations(IEnumerable<Cell> cells, ReportMetric metric) =>
        Durations(cells.Where(c => c.Metric == metric).Select(c => (c.Bucket, c.Count, c.Sum)));

    /// <summary>Mean from the exact sums; median and p90 from the buckets (within one bucket, ±5 %).</summary>
    private static DurationStats Durations(IEnumerable<(int Bucket, long Count, long Sum)> cells)
    {
        var histogram = cells.GroupBy(c => c.Bucket)
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
