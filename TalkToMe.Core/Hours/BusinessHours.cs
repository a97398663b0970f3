using System.Globalization;
using System.Text.Json;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Hours;

/// <summary>One opening interval of a weekday, wall-clock time in the channel's time zone ("08:00" to "12:00"; the end may be "24:00").</summary>
public sealed record BusinessInterval(DayOfWeek Day, string Start, string End)
{
    /// <summary>Minutes after midnight, or null when the text is not a time ("HH:mm", 00:00 to 24:00).</summary>
    public static int? Minutes(string? text)
    {
        if (text is null)
        {
            return null;
        }

        text = text.Trim();
        if (text == "24:00")
        {
            return 24 * 60;
        }

        return TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time.Hour * 60 + time.Minute
            : null;
    }
}

/// <summary>
/// A channel's business hours ("Horário de atendimento"): a weekly schedule of wall-clock intervals in an IANA time zone,
/// holidays (whole local days closed), what is said outside them, and whether Keep Alive counts only inside them.
/// Stored as JSON on the channel. Disabled means always open: nothing changes for a channel that never set it up.
/// <para>
/// Every question is answered from concrete UTC windows built day by day in the zone, so a DST change simply makes a day's
/// window an hour shorter or longer: a local time skipped in spring moves forward by the gap, a time repeated in autumn
/// is taken at its first occurrence. Adjacent windows merge, so 22:00–24:00 and the next day's 00:00–06:00 are one night shift.
/// </para>
/// </summary>
public sealed record BusinessHours
{
    public const string DefaultTimeZone = "America/Sao_Paulo";
    public const string Portuguese = "pt-BR";
    public const string English = "en";

    // Far enough for any real schedule (a year of holidays) while bounding a schedule with no intervals at all.
    private const int MaxDaysAhead = 1200;

    // A schedule open around the clock would merge into one endless window; split it so a question reads a few days at most.
    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);

    public bool IsEnabled { get; init; }
    public string TimeZoneId { get; init; } = DefaultTimeZone;
    public IReadOnlyList<BusinessInterval> Intervals { get; init; } = [];
    public IReadOnlyList<DateOnly> Holidays { get; init; } = [];

    /// <summary>The out-of-office text; null: <see cref="DefaultOutOfOfficeMessage"/> in <see cref="Language"/>.</summary>
    public string? OutOfOfficeMessage { get; init; }

    /// <summary>The language the channel speaks to its customers ("pt-BR" or "en"): default texts and the widget's reply time.</summary>
    public string Language { get; init; } = Portuguese;

    /// <summary>"Contar só no horário de atendimento": Keep Alive's timeouts run only while the channel is open.</summary>
    public bool KeepAliveBusinessTimeOnly { get; init; }

    /// <summary>Mondays to Fridays 08:00–18:00 in São Paulo: what the form offers before anything is saved.</summary>
    public static BusinessHours Default { get; } = new()
    {
        Intervals = [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .Select(d => new BusinessInterval(d, "08:00", "18:00"))],
    };

    public static string DefaultOutOfOfficeMessage(string? language) => language == English
        ? "Hello! We are outside our business hours right now. We will reply as soon as we are back."
        : "Olá! Estamos fora do horário de atendimento agora. Responderemos assim que voltarmos.";

    public string OutOfOfficeText => string.IsNullOrWhiteSpace(OutOfOfficeMessage) ? DefaultOutOfOfficeMessage(Language) : OutOfOfficeMessage.Trim();

    public string ToJson() => JsonSerializer.Serialize(this, JsonDefaults.Options);

    public static BusinessHours? FromJson(string? json) =>
        string.IsNullOrWhiteSpace(json) ? null : JsonSerializer.Deserialize<BusinessHours>(json, JsonDefaults.Options);

    /// <summary>The zone, or null when the id is unknown to this machine's tz database.</summary>
    public static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private TimeZoneInfo Zone => FindZone(TimeZoneId) ?? TimeZoneInfo.Utc;

    /// <summary>Whether customers are attended at <paramref name="utc"/>. Always true when business hours are off.</summary>
    public bool IsOpen(DateTime utc) => !IsEnabled || WindowsFrom(utc).Select(w => (DateTime?)w.Start).FirstOrDefault() <= utc;

    /// <summary>When the channel opens next: <paramref name="utc"/> itself when open now; null when it never opens.</summary>
    public DateTime? NextOpening(DateTime utc)
    {
        if (!IsEnabled)
        {
            return utc;
        }

        return WindowsFrom(utc).Select(w => (DateTime?)(w.Start > utc ? w.Start : utc)).FirstOrDefault();
    }

    /// <summary>Business time between two instants (all of it when business hours are off).</summary>
    public TimeSpan Elapsed(DateTime fromUtc, DateTime toUtc)
    {
        if (toUtc <= fromUtc)
        {
            return TimeSpan.Zero;
        }

        if (!IsEnabled)
        {
            return toUtc - fromUtc;
        }

        var total = TimeSpan.Zero;
        foreach (var (start, end) in WindowsFrom(fromUtc))
        {
            if (start >= toUtc)
            {
                break;
            }

            var from = start > fromUtc ? start : fromUtc;
            var to = end < toUtc ? end : toUtc;
            total += to - from;
        }

        return total;
    }

    /// <summary>
    /// The instant at which <paramref name="span"/> of business time has passed since <paramref name="fromUtc"/> (Keep Alive's
    /// deadlines). A schedule that never opens falls back to wall-clock time, so a deadline is never lost.
    /// </summary>
    public DateTime AddBusinessTime(DateTime fromUtc, TimeSpan span)
    {
        if (!IsEnabled)
        {
            return fromUtc + span;
        }

        var left = span;
        foreach (var (start, end) in WindowsFrom(fromUtc))
        {
            var from = start > fromUtc ? start : fromUtc;
            if (end - from >= left)
            {
                return from + left;
            }

            left -= end - from;
        }

        return fromUtc + span;
    }

    /// <summary>The open windows (UTC, merged, in order) that end after <paramref name="utc"/>.</summary>
    public IEnumerable<(DateTime Start, DateTime End)> WindowsFrom(DateTime utc)
    {
        var zone = Zone;
        var holidays = Holidays.ToHashSet();
        var byDay = Intervals
            .Select(i => (i.Day, Start: BusinessInterval.Minutes(i.Start), End: BusinessInterval.Minutes(i.End)))
            .Where(i => i.Start is not null && i.End is not null && i.End > i.Start)
            .GroupBy(i => i.Day)
            .ToDictionary(g => g.Key, g => g.OrderBy(i => i.Start).Select(i => (Start: i.Start!.Value, End: i.End!.Value)).ToList());
        if (byDay.Count == 0)
        {
            yield break;
        }

        // From the day before, in case that day's last window runs into this one (22:00–24:00 then 00:00–06:00).
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone)).AddDays(-1);
        (DateTime Start, DateTime End)? pending = null;
        for (var n = 0; n < MaxDaysAhead; n++, day = day.AddDays(1))
        {
            if (holidays.Contains(day) || !byDay.TryGetValue(day.DayOfWeek, out var intervals))
            {
                continue;
            }

            var midnight = day.ToDateTime(TimeOnly.MinValue);
            foreach (var (startMinute, endMinute) in intervals)
            {
                var start = ToUtc(midnight.AddMinutes(startMinute), zone);
                var end = ToUtc(midnight.AddMinutes(endMinute), zone);
                if (end <= start)
                {
                    continue;
                }

                if (pending is { } open && start <= open.End && open.End - open.Start < MaxWindow)
                {
                    pending = (open.Start, end > open.End ? end : open.End);
                    continue;
                }

                if (pending is { } done && done.End > utc)
                {
                    yield return done;
                }

                pending = (start, end);
            }
        }

        if (pending is { } last && last.End > utc)
        {
            yield return last;
        }
    }

    /// <summary>A wall-clock time in the zone as UTC: a skipped time moves forward by the gap, a repeated one is its first occurrence.</summary>
    public static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTime(local.Ticks - offset.Ticks, DateTimeKind.Utc);
    }

    /// <summary>The channel's local time of an instant.</summary>
    public DateTime ToLocal(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);
}
