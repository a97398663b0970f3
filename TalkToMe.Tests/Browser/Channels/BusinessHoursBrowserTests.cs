using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core.Data;
using TalkToMe.Core.Hours;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Channels;

/// <summary>"Horário de atendimento" on the channel page, walked as an admin does it on a phone-sized screen.</summary>
public class BusinessHoursBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static LocatorGetByLabelOptions Exact => new() { Exact = true };

    [Fact]
    public async Task HorarioDeAtendimento_BadZoneRefused_ThenSplitShiftHolidayAndMessageSaved()
    {
        var (channelId, _) = await ApiChannels.CreateAsync(fixture.App.Services, "API Horário");
        var page = await fixture.SignedInPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        await ChannelAdminBrowserTests.GoAsync(page, $"/channels/{channelId}");
        var section = page.GetByTestId("business-hours");
        await Expect(section.GetByRole(AriaRole.Heading, new() { Name = "Horário de atendimento" })).ToBeVisibleAsync();
        await Expect(section.GetByTestId("hours-status")).ToHaveTextAsync("Sem horário de atendimento: sempre aberto");

        await section.GetByRole(AriaRole.Switch, new() { Name = "Usar horário de atendimento" }).CheckAsync();
        await section.GetByLabel("Fuso horário", Exact).FillAsync("America/Sao_Paolo");
        await section.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(section.GetByText("Fuso horário desconhecido", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(section.GetByTestId("hours-not-saved")).ToBeVisibleAsync();
        Assert.Null(await StoredAsync(channelId));

        await section.GetByLabel("Fuso horário", Exact).FillAsync("America/New_York");
        // Monday becomes a split shift: 08:00–12:00, then 13:00–18:00.
        await section.GetByLabel("Segunda-feira: Fim", Exact).FillAsync("12:00");
        await section.GetByRole(AriaRole.Button, new() { Name = "Adicionar intervalo: Segunda-feira" }).ClickAsync();
        await section.GetByLabel("Segunda-feira: Início", Exact).Nth(1).FillAsync("13:00");
        await section.GetByLabel("Segunda-feira: Fim", Exact).Nth(1).FillAsync("18:00");
        await section.GetByRole(AriaRole.Button, new() { Name = "Remover intervalo Sexta-feira 08:00–18:00" }).ClickAsync();
        await section.GetByLabel("Data do feriado", Exact).FillAsync("2026-12-25");
        await section.GetByRole(AriaRole.Button, new() { Name = "Adicionar feriado" }).ClickAsync();
        await Expect(section.GetByTestId("hours-holiday")).ToContainTextAsync("25/12/2026");
        await section.GetByLabel("Mensagem fora do horário", Exact).FillAsync("Voltamos às 8h. Deixe sua mensagem!");
        await section.GetByRole(AriaRole.Switch, new() { Name = "Contar o Keep Alive só no horário de atendimento" }).CheckAsync();
        await section.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.GetByText("Horário de atendimento salvo.")).ToBeVisibleAsync();
        await Expect(section.GetByTestId("hours-status")).ToHaveTextAsync(new Regex("^(Aberto agora|Fechado até .+)$"));
        var stored = await StoredAsync(channelId);
        Assert.NotNull(stored);
        Assert.True(stored.IsEnabled);
        Assert.True(stored.KeepAliveBusinessTimeOnly);
        Assert.Equal("America/New_York", stored.TimeZoneId);
        Assert.Equal(["08:00-12:00", "13:00-18:00"], stored.Intervals.Where(i => i.Day == DayOfWeek.Monday).Select(i => $"{i.Start}-{i.End}"));
        Assert.DoesNotContain(stored.Intervals, i => i.Day == DayOfWeek.Friday);
        Assert.Equal([new DateOnly(2026, 12, 25)], stored.Holidays);
        Assert.Equal("Voltamos às 8h. Deixe sua mensagem!", stored.OutOfOfficeMessage);

        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1");
        Assert.False(overflow, "the channel page scrolls sideways at 390 px");

        // What was saved comes back after a reload.
        await ChannelAdminBrowserTests.ReloadAsync(page);
        await Expect(section.GetByLabel("Fuso horário", Exact)).ToHaveValueAsync("America/New_York");
        await Expect(section.GetByLabel("Segunda-feira: Início", Exact).Nth(1)).ToHaveValueAsync("13:00");
    }

    private async Task<BusinessHours?> StoredAsync(int channelId)
    {
        await using var db = await fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        return BusinessHours.FromJson(await db.Channels.Where(c => c.Id == channelId).Select(c => c.BusinessHoursJson).SingleAsync());
    }
}
