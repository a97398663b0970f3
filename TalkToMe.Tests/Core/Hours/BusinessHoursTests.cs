using TalkToMe.Core.Hours;

namespace TalkToMe.Tests.Core.Hours;

public class BusinessHoursTests
{
    private const string SaoPaulo = "America/Sao_Paulo";
    private const string NewYork = "America/New_York";

    private static readonly DayOfWeek[] Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static DateTime Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);

    private static BusinessHours Hours(string zone, params BusinessInterval[] intervals) =>
        new() { IsEnabled = true, TimeZoneId = zone, Intervals = intervals };

    private static BusinessInterval[] EveryDay(string start, string end) =>
        [.. Enum.GetValues<DayOfWeek>().Select(d => new BusinessInterval(d, start, end))];

    [Fact]
    public void IsOpen_SplitShift_OpenInEitherIntervalClosedAtLunch()
    {
        // Monday 2026-12-07 in São Paulo (UTC-3 all year): 08:00–12:00 and 13:00–18:00.
        var hours = Hours(SaoPaulo, new(DayOfWeek.Monday, "08:00", "12:00"), new(DayOfWeek.Monday, "13:00", "18:00"));

        Assert.False(hours.IsOpen(Utc(2026, 12, 7, 10, 59)));  // 07:59
        Assert.True(hours.IsOpen(Utc(2026, 12, 7, 11)));       // 08:00
        Assert.True(hours.IsOpen(Utc(2026, 12, 7, 14, 59)));   // 11:59
        Assert.False(hours.IsOpen(Utc(2026, 12, 7, 15, 30)));  // 12:30
        Assert.Equal(Utc(2026, 12, 7, 16), hours.NextOpening(Utc(2026, 12, 7, 15, 30)));
        Assert.True(hours.IsOpen(Utc(2026, 12, 7, 20, 59)));   // 17:59
        Assert.False(hours.IsOpen(Utc(2026, 12, 7, 21)));      // 18:00: the end is not included
        Assert.Equal(Utc(2026, 12, 14, 11), hours.NextOpening(Utc(2026, 12, 7, 21)));
    }

    [Fact]
    public void DstSpringForward_NewYorkSundayIs23BusinessHoursAndOpensAtLocalTime()
    {
        // 2026-03-08 02:00 EST becomes 03:00 EDT. Open 00:00–24:00 on Sunday, 09:00–17:00 on the other days.
        var hours = Hours(NewYork, [.. EveryDay("09:00", "17:00").Where(i => i.Day != DayOfWeek.Sunday), new(DayOfWeek.Sunday, "00:00", "24:00")]);

        Assert.Equal(TimeSpan.FromHours(23), hours.Elapsed(Utc(2026, 3, 8, 5), Utc(2026, 3, 9, 4)));
        // Monday opens at 09:00 EDT = 13:00 UTC (it was 14:00 UTC before the change).
        Assert.Equal(Utc(2026, 3, 9, 13), hours.NextOpening(Utc(2026, 3, 9, 4)));
        Assert.Equal(Utc(2026, 3, 6, 14), hours.NextOpening(Utc(2026, 3, 6, 12)));
        // A deadline of 10 business hours from Saturday 16:00 EST: 1 h on Saturday, 9 h into Sunday (00:00 EST + 9 h = 10:00 EDT).
        Assert.Equal(Utc(2026, 3, 8, 14), hours.AddBusinessTime(Utc(2026, 3, 7, 21), TimeSpan.FromHours(10)));
    }

    [Fact]
    public void DstFallBack_NewYorkSundayIs25BusinessHours()
    {
        // 2026-11-01 02:00 EDT becomes 01:00 EST.
        var hours = Hours(NewYork, new BusinessInterval(DayOfWeek.Sunday, "00:00", "24:00"), new BusinessInterval(DayOfWeek.Monday, "09:00", "17:00"));

        Assert.Equal(TimeSpan.FromHours(25), hours.Elapsed(Utc(2026, 11, 1, 4), Utc(2026, 11, 2, 5)));
        Assert.True(hours.IsOpen(Utc(2026, 11, 2, 4, 59)));  // 23:59 EST on Sunday
        Assert.False(hours.IsOpen(Utc(2026, 11, 2, 5)));     // Monday 00:00 EST
        Assert.Equal(Utc(2026, 11, 2, 14), hours.NextOpening(Utc(2026, 11, 2, 5)));
    }

    [Fact]
    public void DstGap_IntervalStartingInSkippedHourMovesForwardByTheGap()
    {
        // 02:30 does not exist on 2026-03-08 in New York: it is read as 03:30 EDT (07:30 UTC); the interval ends 04:00 EDT.
        var hours = Hours(NewYork, new BusinessInterval(DayOfWeek.Sunday, "02:30", "04:00"));

        Assert.False(hours.IsOpen(Utc(2026, 3, 8, 7, 29)));
        Assert.True(hours.IsOpen(Utc(2026, 3, 8, 7, 30)));
        Assert.Equal(TimeSpan.FromMinutes(30), hours.Elapsed(Utc(2026, 3, 8, 0), Utc(2026, 3, 9, 0)));
    }

    [Fact]
    public void Midnight_FridayNightShiftUntil24AndSaturdayFrom00_IsOneOpenWindow()
    {
        // Friday 2026-12-04 22:00 to Saturday 06:00 in São Paulo.
        var hours = Hours(SaoPaulo, new BusinessInterval(DayOfWeek.Friday, "22:00", "24:00"), new BusinessInterval(DayOfWeek.Saturday, "00:00", "06:00"));

        Assert.False(hours.IsOpen(Utc(2026, 12, 5, 0, 59)));  // Friday 21:59
        Assert.True(hours.IsOpen(Utc(2026, 12, 5, 1)));       // Friday 22:00
        Assert.True(hours.IsOpen(Utc(2026, 12, 5, 3)));       // Saturday 00:00
        Assert.True(hours.IsOpen(Utc(2026, 12, 5, 8, 59)));   // Saturday 05:59
        Assert.False(hours.IsOpen(Utc(2026, 12, 5, 9)));      // Saturday 06:00
        Assert.Equal((Utc(2026, 12, 5, 1), Utc(2026, 12, 5, 9)), hours.WindowsFrom(Utc(2026, 12, 5, 0)).First());
        // Asked after midnight, the window that began the day before is still the current one.
        Assert.Equal(Utc(2026, 12, 5, 4), hours.NextOpening(Utc(2026, 12, 5, 4)));
        Assert.Equal(Utc(2026, 12, 5, 4), hours.AddBusinessTime(Utc(2026, 12, 5, 2), TimeSpan.FromHours(2)));
        Assert.Equal(Utc(2026, 12, 12, 1), hours.NextOpening(Utc(2026, 12, 5, 9)));
    }

    [Fact]
    public void Holiday_ClosedAllDay_NextOpeningSkipsIt()
    {
        // Christmas 2026 is a Friday; Monday to Friday 08:00–18:00 in São Paulo.
        var hours = Hours(SaoPaulo, [.. Weekdays.Select(d => new BusinessInterval(d, "08:00", "18:00"))]) with { Holidays = [new DateOnly(2026, 12, 25)] };

        Assert.True(hours.IsOpen(Utc(2026, 12, 24, 13)));
        Assert.False(hours.IsOpen(Utc(2026, 12, 25, 13)));
        Assert.Equal(Utc(2026, 12, 28, 11), hours.NextOpening(Utc(2026, 12, 24, 22)));
        // 1 h on Thursday, then Monday.
        Assert.Equal(Utc(2026, 12, 28, 12), hours.AddBusinessTime(Utc(2026, 12, 24, 20), TimeSpan.FromHours(2)));
    }

    [Fact]
    public void AddBusinessTime_PausesOvernight()
    {
        var hours = Hours(SaoPaulo, [.. Weekdays.Select(d => new BusinessInterval(d, "08:00", "18:00"))]);

        // Monday 17:30 + 1 h of business time = Tuesday 08:30.
        Assert.Equal(Utc(2026, 12, 8, 11, 30), hours.AddBusinessTime(Utc(2026, 12, 7, 20, 30), TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromHours(1), hours.Elapsed(Utc(2026, 12, 7, 20, 30), Utc(2026, 12, 8, 11, 30)));
    }

    [Fact]
    public void Disabled_AlwaysOpenAndWallClock()
    {
        var hours = new BusinessHours { IsEnabled = false, Intervals = [new(DayOfWeek.Monday, "08:00", "09:00")] };
        var now = Utc(2026, 12, 6, 3);

        Assert.True(hours.IsOpen(now));
        Assert.Equal(now.AddHours(5), hours.AddBusinessTime(now, TimeSpan.FromHours(5)));
    }

    [Fact]
    public void EnabledWithoutIntervals_NeverOpens_DeadlinesFallBackToWallClock()
    {
        var hours = Hours(SaoPaulo);
        var now = Utc(2026, 12, 7, 13);

        Assert.False(hours.IsOpen(now));
        Assert.Null(hours.NextOpening(now));
        Assert.Equal(now.AddHours(5), hours.AddBusinessTime(now, TimeSpan.FromHours(5)));
    }

    [Fact]
    public void AroundTheClock_IsOpenWithoutReadingYears()
    {
        var hours = Hours(SaoPaulo, EveryDay("00:00", "24:00"));
        var now = Utc(2026, 12, 7, 13);

        Assert.True(hours.IsOpen(now));
        Assert.Equal(now.AddDays(40), hours.AddBusinessTime(now, TimeSpan.FromDays(40)));
    }

    [Fact]
    public void Json_RoundTrips()
    {
        var hours = Hours(NewYork, new BusinessInterval(DayOfWeek.Friday, "22:00", "24:00")) with
        {
            Holidays = [new DateOnly(2026, 12, 25)],
            OutOfOfficeMessage = "Fechado",
            Language = BusinessHours.English,
            KeepAliveBusinessTimeOnly = true,
        };

        var back = BusinessHours.FromJson(hours.ToJson())!;

        Assert.Equal(hours.ToJson(), back.ToJson());
        Assert.Equal("Fechado", back.OutOfOfficeText);
        Assert.Equal(BusinessHours.DefaultOutOfOfficeMessage("en"), (back with { OutOfOfficeMessage = null }).OutOfOfficeText);
    }
}

public class BusinessHoursRulesTests
{
    private static BusinessHours Valid => BusinessHours.Default with { IsEnabled = true };

    [Fact]
    public void Validate_DefaultAndMidnightEnd_NoErrors()
    {
        Assert.Empty(BusinessHoursRules.Validate(Valid));
        Assert.Empty(BusinessHoursRules.Validate(Valid with { Intervals = [new(DayOfWeek.Friday, "22:00", "24:00"), new(DayOfWeek.Saturday, "00:00", "06:00")] }));
    }

    [Fact]
    public void Validate_UnknownTimeZone_Refused()
    {
        var errors = BusinessHoursRules.Validate(Valid with { TimeZoneId = "America/Sao_Paolo" });

        Assert.Contains("IANA", errors["TimeZoneId"]);
    }

    [Theory]
    [InlineData("18:00", "08:00")]
    [InlineData("08:00", "08:00")]
    public void Validate_InvertedInterval_Refused(string start, string end)
    {
        var errors = BusinessHoursRules.Validate(Valid with { Intervals = [new(DayOfWeek.Monday, "08:00", "12:00"), new(DayOfWeek.Monday, start, end)] });

        Assert.Equal(["Interval.1"], errors.Keys);
        Assert.Contains("24:00", errors["Interval.1"]);
    }

    [Theory]
    [InlineData("8h")]
    [InlineData("24:00")]
    [InlineData("25:00")]
    [InlineData("")]
    public void Validate_BadStartTime_Refused(string start)
    {
        var errors = BusinessHoursRules.Validate(Valid with { Intervals = [new(DayOfWeek.Monday, start, "24:00")] });

        Assert.True(errors.ContainsKey("Interval.0"));
    }

    [Fact]
    public void Validate_OverlappingIntervals_RefusedForTheDay()
    {
        var errors = BusinessHoursRules.Validate(Valid with
        {
            Intervals = [new(DayOfWeek.Monday, "08:00", "12:00"), new(DayOfWeek.Monday, "11:00", "18:00"), new(DayOfWeek.Tuesday, "11:00", "18:00")],
        });

        Assert.Equal(["Day.Monday"], errors.Keys);
    }

    [Fact]
    public void Normalize_SortsAndFormats()
    {
        var normalized = BusinessHoursRules.Normalize(Valid with
        {
            Intervals = [new(DayOfWeek.Sunday, "9:00", "10:00"), new(DayOfWeek.Monday, "13:00", "18:00"), new(DayOfWeek.Monday, "8:00", "12:00")],
            Holidays = [new DateOnly(2026, 12, 25), new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 25)],
            OutOfOfficeMessage = "   ",
        });

        Assert.Equal(["Monday 08:00-12:00", "Monday 13:00-18:00", "Sunday 09:00-10:00"], normalized.Intervals.Select(i => $"{i.Day} {i.Start}-{i.End}"));
        Assert.Equal([new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 25)], normalized.Holidays);
        Assert.Null(normalized.OutOfOfficeMessage);
    }
}
