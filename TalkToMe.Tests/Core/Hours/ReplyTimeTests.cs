using TalkToMe.Core.Hours;

namespace TalkToMe.Tests.Core.Hours;

/// <summary>The widget's expected reply time, in the channel's language.</summary>
public class ReplyTimeTests
{
    // Weekdays 08:00–18:00 in São Paulo; 2026-12-04 is a Friday.
    private static readonly BusinessHours Hours = BusinessHours.Default with { IsEnabled = true };

    private static DateTime Local(int day, int hour) => new(2026, 12, day, hour + 3, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(4, 10, "Normalmente respondemos em poucos minutos")]
    [InlineData(4, 6, "Voltamos às 08:00")]
    [InlineData(4, 19, "Voltamos segunda às 08:00")]
    public void Text_Portuguese(int day, int hour, string expected) => Assert.Equal(expected, ReplyTime.Text(Hours, Local(day, hour)));

    [Theory]
    [InlineData(4, 10, "We usually reply in a few minutes")]
    [InlineData(4, 6, "We are back at 08:00")]
    [InlineData(4, 19, "We are back on Monday at 08:00")]
    public void Text_English(int day, int hour, string expected) =>
        Assert.Equal(expected, ReplyTime.Text(Hours with { Language = BusinessHours.English }, Local(day, hour)));

    [Fact]
    public void Text_BusinessHoursOff_PromisesNothing() => Assert.Null(ReplyTime.Text(BusinessHours.Default, Local(4, 19)));
}
