using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Reports;

/// <summary>
/// Report days are local days in Brasília time, like every time agents read; durations are kept in calendar time and
/// within business hours (<see cref="ReportTimeline"/>), as counts per bucket so medians and p90 can be read from rollups.
/// </summary>
public static class ReportCalendar
{
    // Buckets grow by e^(1/10) ≈ 10 %: a median read from them is within ±5 % of the exact one (and exact when the
    // bucket's values are alike: it reports their mean). 5 % buckets doubled the rows every report reads; 10 % ones are
    // exactly two of them merged (bucket / 2), so the migration could coarsen the rows already kept.
    private const double BucketsPerE = 10;

    public static TimeZoneInfo Zone => ActivityText.Brasilia;

    public static DateTime Local(DateTime utc) => ActivityText.LocalTime(utc, Zone);

    public static int DayOf(DateTime utc) => DateOnly.FromDateTime(Local(utc)).DayNumber;

    /// <summary>The Monday of <paramref name="day"/>'s week, as a day number (day 0, 1 January 0001, was a Monday).</summary>
    public static int WeekOf(int day) => day - day % 7;

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(Local(time.GetUtcNow().UtcDateTime));

    public static int BucketOf(long seconds) => (int)Math.Floor(Math.Log(Math.Max(0, seconds) + 1) * BucketsPerE);

    /// <summary>The bucket's middle in seconds (geometric), the value a percentile falling in it reports.</summary>
    public static double SecondsOf(int bucket) =>
        Math.Max(0, Math.Exp((bucket + 0.5) / BucketsPerE) - 1);

    public static long Seconds(DateTime from, DateTime to) => Math.Max(0, (long)Math.Round((to - from).TotalSeconds));
}
