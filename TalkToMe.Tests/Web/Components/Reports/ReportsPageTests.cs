using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;
using ReportsPage = TalkToMe.Web.Components.Pages.Reports.Reports;

namespace TalkToMe.Tests.Web.Components.Reports;

/// <summary>Relatórios as an admin and as an agent sees it: KPI cards against the previous period, charts, tables, CSV links.</summary>
public sealed class ReportsPageTests : IAsyncLifetime
{
    private ComponentTestContext _context = null!;
    private readonly Actor _ana = new("ana-id", "Ana");
    private readonly Actor _joao = new("joao-id", "João");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    /// <summary>Yesterday one conversation; today two, one answered by Ana in 2 minutes and resolved, one answered by João.</summary>
    private async Task ArrangeAsync(TalkToMe.Core.Hours.BusinessHours? hours = null)
    {
        var database = await _context.AddCoreAsync();
        int channelId;
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync("API Loja");
            channelId = channel.Id;
            if (hours is not null)
            {
                channel.ConfigureBusinessHours(hours);
            }

            db.Users.Add(new AppUser { Id = "ana-id", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
            db.Users.Add(new AppUser { Id = "joao-id", UserName = "joao@x", Email = "joao@x", DisplayName = "João" });
            await db.SaveChangesAsync();
        }

        var conversations = new TestConversations(database, new InboxEventHub(NullLogger<InboxEventHub>.Instance), _context.Clock);
        async Task<int> Customer(string contact) =>
            (await conversations.Inbound.ReceiveAsync(new InboundMessage(channelId, contact, "Maria", null, "Oi"))).ConversationId!.Value;

        await Customer("c-0");
        _context.Clock.Advance(TimeSpan.FromDays(1));
        var first = await Customer("c-1");
        var second = await Customer("c-2");
        _context.Clock.Advance(TimeSpan.FromMinutes(2));
        await conversations.Commands.ReplyAsync(first, _ana, "Olá");
        await conversations.Commands.ResolveAsync(first, _ana);
        await conversations.Commands.ReplyAsync(second, _joao, "Oi!");
    }

    private IRenderedComponent<ReportsPage> Render()
    {
        _context.Render<MudPopoverProvider>();
        return _context.Render<ReportsPage>();
    }

    private static string Kpi(IRenderedComponent<ReportsPage> page, string id) =>
        page.Find($"[data-testid=kpi-{id}] [data-testid=kpi-value]").TextContent;

    [Fact]
    public async Task Admin_SeesEveryonesFigures_ChartsAndTables_AndTodayComparesWithYesterday()
    {
        _context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        await ArrangeAsync();
        _context.SignIn("admin-id", "Admin");
        _context.AddAuthorization().SetRoles(Roles.Admin);

        var page = Render();

        page.WaitForAssertion(() => Assert.Equal("3", Kpi(page, "opened")));
        Assert.Equal("1", Kpi(page, "resolved"));
        Assert.Equal("2 min", Kpi(page, "first-response"));
        Assert.NotNull(page.Find("[data-testid=chart-volume] svg"));
        Assert.NotNull(page.Find("[data-testid=chart-first-response] svg"));
        Assert.NotNull(page.Find("[data-testid=chart-csat] svg"));
        var agents = page.Find("[data-testid=report-table-agents]").TextContent;
        Assert.Contains("Ana", agents);
        Assert.Contains("João", agents);
        Assert.Contains("range=7d", page.Find("[data-testid=report-csv-agents]").GetAttribute("href"));

        await page.FindAll("[data-testid=report-range] .mud-toggle-item").First(b => b.TextContent.Contains("Hoje")).ClickAsync(new());

        page.WaitForAssertion(() => Assert.Equal("2", Kpi(page, "opened")));
        Assert.Contains("+100% vs período anterior", page.Find("[data-testid=kpi-opened]").TextContent);
        Assert.Contains("range=today", page.Find("[data-testid=report-csv-channels]").GetAttribute("href"));
    }

    [Fact]
    public async Task BusinessHoursSwitch_CountsFirstResponseOnlyWhileTheChannelIsOpen_AndTheCsvFollows()
    {
        _context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        // The channel opens at 09:01 every day; today's customers wrote at 09:00 and were answered at 09:02.
        await ArrangeAsync(new TalkToMe.Core.Hours.BusinessHours
        {
            IsEnabled = true,
            TimeZoneId = "America/Sao_Paulo",
            Intervals = [.. Enum.GetValues<DayOfWeek>().Select(d => new TalkToMe.Core.Hours.BusinessInterval(d, "09:01", "18:00"))],
        });
        _context.SignIn("admin-id", "Admin");
        _context.AddAuthorization().SetRoles(Roles.Admin);

        var page = Render();
        page.WaitForAssertion(() => Assert.Equal("2 min", Kpi(page, "first-response")));
        var toggle = page.FindAll("label.mud-switch").Single(l => l.TextContent.Trim() == "Só no horário de atendimento").QuerySelector("input[role=switch]")!;
        await page.InvokeAsync(() => toggle.Change(true));

        // Ana's and João's replies at 09:02 count from the opening at 09:01.
        page.WaitForAssertion(() => Assert.Equal("1 min", Kpi(page, "first-response")));
        Assert.Contains("businessHours=true", page.Find("[data-testid=report-csv-agents]").GetAttribute("href"));
    }

    /// <summary>Puts a new label on the conversation Ana answered and resolved today, after the fact.</summary>
    private async Task<int> LabelResolvedAsync(string name)
    {
        await using var db = _context.Database.NewContext();
        var label = new Label(name, "#8e24aa");
        db.Labels.Add(label);
        var resolved = await db.Conversations.Include(c => c.Labels).SingleAsync(c => c.Status == ConversationStatus.Resolved);
        resolved.AddLabel(label);
        await db.SaveChangesAsync();
        return label.Id;
    }

    private static async Task SelectLabelAsync(IRenderedComponent<ReportsPage> page, string selectLabel, int labelId)
    {
        var select = page.FindComponents<MudSelect<int>>().Single(s => s.Instance.Label == selectLabel);
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(labelId));
    }

    [Fact]
    public async Task LabelFilter_ShowsOnlyTheConversationsCarryingIt_AndTheCsvLinksCarryIt()
    {
        _context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        await ArrangeAsync();
        var vip = await LabelResolvedAsync("vip");
        _context.SignIn("admin-id", "Admin");
        _context.AddAuthorization().SetRoles(Roles.Admin);
        var page = Render();
        page.WaitForAssertion(() => Assert.Equal("3", Kpi(page, "opened")));
        Assert.DoesNotContain("labelId", page.Find("[data-testid=report-csv-agents]").GetAttribute("href"));

        await SelectLabelAsync(page, "Etiqueta", vip);

        page.WaitForAssertion(() => Assert.Equal("1", Kpi(page, "opened")));
        Assert.Equal("1", Kpi(page, "resolved"));
        Assert.Equal("2 min", Kpi(page, "first-response"));
        var agents = page.Find("[data-testid=report-table-agents]").TextContent;
        Assert.Contains("Ana", agents);
        Assert.DoesNotContain("João", agents);
        Assert.Contains($"labelId={vip}", page.Find("[data-testid=report-csv-agents]").GetAttribute("href"));
        Assert.Contains($"labelId={vip}", page.Find("[data-testid=report-csv-channels]").GetAttribute("href"));
        await page.Find("[data-testid=report-definitions-toggle]").ClickAsync(new());
        Assert.Contains("Só as conversas que têm a etiqueta agora", page.Find("[data-testid=report-definitions]").TextContent);
    }

    [Fact]
    public async Task LabelFilter_ForAnAgent_KeepsToTheirOwnFigures()
    {
        _context = new ComponentTestContext(ComponentTestContext.English);
        await ArrangeAsync();
        var vip = await LabelResolvedAsync("vip");
        _context.SignIn("joao-id", "João");
        var page = Render();
        page.WaitForAssertion(() => Assert.Contains("João", page.Find("[data-testid=report-table-agents]").TextContent));

        await SelectLabelAsync(page, "Label", vip);

        // The vip conversation is Ana's: João's own figures within it are empty, and Ana's never show.
        page.WaitForAssertion(() => Assert.Equal("0", Kpi(page, "resolved")));
        Assert.DoesNotContain("Ana", page.Find("[data-testid=report-table-agents]").TextContent);
        Assert.Contains($"labelId={vip}", page.Find("[data-testid=report-csv-agents]").GetAttribute("href"));
    }

    [Fact]
    public async Task Agent_SeesOnlyTheirOwnFigures_AndNoAgentFilter()
    {
        _context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        await ArrangeAsync();
        _context.SignIn("ana-id", "Ana");

        var page = Render();

        page.WaitForAssertion(() => Assert.Equal("1", Kpi(page, "resolved")));
        Assert.Contains("Você vê os seus próprios números.", page.Markup);
        Assert.Empty(page.FindAll("[data-testid=report-agent]"));
        var agents = page.Find("[data-testid=report-table-agents]").TextContent;
        Assert.Contains("Ana", agents);
        Assert.DoesNotContain("João", agents);
    }

    [Fact]
    public async Task CustomRange_EndingBeforeItStarts_ShowsTheFieldMessage()
    {
        _context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        await ArrangeAsync();
        _context.SignIn("admin-id", "Admin");
        _context.AddAuthorization().SetRoles(Roles.Admin);
        var page = Render();
        page.WaitForAssertion(() => Assert.Equal("3", Kpi(page, "opened")));

        await page.FindAll("[data-testid=report-range] .mud-toggle-item").First(b => b.TextContent.Contains("Personalizado")).ClickAsync(new());
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#report-to")));
        await page.Find("#report-to").ChangeAsync(new() { Value = "2020-01-01" });

        page.WaitForAssertion(() => Assert.Contains("A data final deve ser igual ou posterior à inicial.", page.Markup));
    }

    [Fact]
    public async Task InEnglish_TheInfoIconShowsTheDefinitions()
    {
        _context = new ComponentTestContext(ComponentTestContext.English);
        await ArrangeAsync();
        _context.SignIn("admin-id", "Admin");
        var page = Render();
        page.WaitForAssertion(() => Assert.Contains("Reports", page.Find("h1").TextContent));

        await page.Find("[data-testid=report-definitions-toggle]").ClickAsync(new());

        var definitions = page.Find("[data-testid=report-definitions]").TextContent;
        Assert.Contains("From the customer's first message to the first agent reply", definitions);
        Assert.Contains("Brasília time", definitions);
    }
}
