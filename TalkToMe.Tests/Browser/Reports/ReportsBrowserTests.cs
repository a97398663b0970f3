using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Browser.Channels;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Reports;

/// <summary>A team lead's morning: Relatórios from the menu, today's figures, the charts, the agents' table as CSV, on a laptop and a phone.</summary>
public class ReportsBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>Two conversations today: one answered and resolved by Ana Relatórios, then given a new label (its name returned).</summary>
    private async Task<string> SeedAsync()
    {
        var services = fixture.App.Services;
        var ana = await fixture.App.CreateUserAsync($"ana.rel.{Guid.NewGuid():N}@talktome.local", "Senha-Agente-123", Roles.Agent, "Ana Relatórios");
        int channelId;
        await using (var db = await services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
        {
            channelId = (await db.AddChannelAsync("API Relatórios")).Id;
        }

        var inbound = services.GetRequiredService<InboundWriter>();
        var commands = services.GetRequiredService<ConversationCommands>();
        var first = (await inbound.ReceiveAsync(new InboundMessage(channelId, "rel-1", "Maria", null, "Oi"))).ConversationId!.Value;
        await inbound.ReceiveAsync(new InboundMessage(channelId, "rel-2", "José", null, "Olá"));
        var actor = new Actor(ana.Id, "Ana Relatórios");
        await commands.ReplyAsync(first, actor, "Bom dia!");
        await commands.ResolveAsync(first, actor);
        var label = $"rel-{Guid.NewGuid():N}"[..12];
        await using (var db = await services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
        {
            var created = new Label(label, "#8e24aa");
            db.Labels.Add(created);
            await db.SaveChangesAsync();
            await commands.AddLabelAsync(first, actor, created.Id);
        }

        return label;
    }

    [Fact]
    public async Task Reports_FromTheMenu_TodaysFiguresChartsAndTheAgentsCsv_FitALaptopAndAPhone()
    {
        var label = await SeedAsync();
        var page = await fixture.SignedInPageAsync();
        await page.SetViewportSizeAsync(1440, 900);
        await ChannelAdminBrowserTests.GoAsync(page, "/");

        await page.GetByRole(AriaRole.Link, new() { Name = "Relatórios", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/reports", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Relatórios", Level = 1 })).ToBeVisibleAsync();

        await page.GetByTestId("report-range").GetByText("Hoje").ClickAsync();
        await Expect(page.GetByTestId("report-csv-agents")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("range=today"));
        await Expect(page.GetByTestId("kpi-resolved").GetByTestId("kpi-value")).Not.ToHaveTextAsync("0");
        foreach (var chart in new[] { "chart-volume", "chart-first-response", "chart-csat", "chart-heatmap" })
        {
            await Expect(page.GetByTestId(chart).Locator("svg").First).ToBeVisibleAsync();
        }

        await Expect(page.GetByTestId("report-table-agents")).ToContainTextAsync("Ana Relatórios");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("report-csv-agents").ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("Agente,Resolvidas,", csv.TrimStart('\uFEFF'));
        Assert.Contains("Ana Relatórios,1,", csv);
        Assert.Matches(@"talktome-agents-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv", download.SuggestedFilename);

        // Only the conversations carrying the label: the one Ana resolved, of everything opened today.
        await page.GetByLabel("Etiqueta", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = label, Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("report-csv-agents")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("labelId=\\d+"));
        await Expect(page.GetByTestId("kpi-opened").GetByTestId("kpi-value")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("kpi-resolved").GetByTestId("kpi-value")).ToHaveTextAsync("1");

        await page.SetViewportSizeAsync(390, 844);
        await Expect(page.GetByTestId("kpi-opened")).ToBeVisibleAsync();
        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1");
        Assert.False(overflow, "the page scrolls sideways at 390 px");
    }
}
