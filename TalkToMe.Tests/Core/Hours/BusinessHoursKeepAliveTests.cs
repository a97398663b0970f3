using TalkToMe.Core.Hours;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Tests.Core.KeepAlive;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Hours;

/// <summary>"Contar só no horário de atendimento": Keep Alive's timeouts pause while the channel is closed.</summary>
public class BusinessHoursKeepAliveTests
{
    // TestData.Now is Monday 2026-11-02 12:00 UTC = 09:00 in São Paulo. Open 08:00–10:00 on weekdays.
    private static BusinessHours Hours(bool businessTimeOnly) => new()
    {
        IsEnabled = true,
        TimeZoneId = "America/Sao_Paulo",
        Intervals = [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .Select(d => new BusinessInterval(d, "08:00", "10:00"))],
        KeepAliveBusinessTimeOnly = businessTimeOnly,
    };

    private static readonly DateTime TuesdayAt0830 = new(2026, 11, 3, 11, 30, 0, DateTimeKind.Utc);

    [Fact]
    public async Task CustomerMessage_BusinessTimeOnly_InactivityDeadlinePausesOvernight()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 90, finalizationMinutes: 30));
        await h.ChangeChannelAsync(channel, c => c.ConfigureBusinessHours(Hours(businessTimeOnly: true)));
        await h.Engine.RunPassAsync();

        var id = await h.AddConversationAsync(channel);

        // One hour on Monday (09:00–10:00), the other half hour on Tuesday from 08:00.
        Assert.Equal(TuesdayAt0830, (await h.ConversationAsync(id)).KeepAliveDueAt);
        h.Clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, (await h.Engine.RunPassAsync()).Sent);

        h.Clock.SetUtcNow(TuesdayAt0830);
        Assert.Equal(1, (await h.Engine.RunPassAsync()).Sent);
        Assert.Equal(["Ainda está por aí?"], await h.SentTextsAsync(id));
        var conversation = await h.ConversationAsync(id);
        Assert.Equal(KeepAliveStage.AwaitingFinalization, conversation.KeepAliveStage);
        Assert.Equal(TuesdayAt0830.AddMinutes(30), conversation.KeepAliveDueAt);
    }

    [Fact]
    public async Task CustomerMessage_SwitchOff_WallClockAsBefore()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 90, finalizationMinutes: 30));
        await h.ChangeChannelAsync(channel, c => c.ConfigureBusinessHours(Hours(businessTimeOnly: false)));
        await h.Engine.RunPassAsync();

        var id = await h.AddConversationAsync(channel);

        Assert.Equal(TestData.Now.AddMinutes(90), (await h.ConversationAsync(id)).KeepAliveDueAt);
    }

    [Fact]
    public async Task TurningTheSwitchOn_RecomputesOpenConversationsInBusinessTime()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 90, finalizationMinutes: 30));
        var id = await h.AddConversationAsync(channel);
        Assert.Equal(TestData.Now.AddMinutes(90), (await h.ConversationAsync(id)).KeepAliveDueAt);

        await h.ChangeChannelAsync(channel, c => c.ConfigureBusinessHours(Hours(businessTimeOnly: true)));
        await h.Engine.RunPassAsync();

        Assert.Equal(TuesdayAt0830, (await h.ConversationAsync(id)).KeepAliveDueAt);
    }
}
