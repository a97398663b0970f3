using System.Text.Json;
using Microsoft.Playwright;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Accessibility;

/// <summary>
/// axe-core (the npm package, installed by ./test.sh into TalkToMe.Tests/Accessibility) scans the pages agents and
/// admins live in, at desktop and phone widths, in both languages: no critical or serious violation may remain.
/// </summary>
public class AxeScanTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>Each page with the widths and languages it is scanned at, pt-BR first (the culture cookie then switches once).</summary>
    public static TheoryData<string, string> Pages() => new()
    {
        { "/", "1440 pt-BR, 390 pt-BR, 1440 en" },
        { "/channels", "1440 pt-BR, 390 pt-BR, 390 en" },
        { "/channels/new", "1440 pt-BR, 390 pt-BR" },
        { "/channels/whatsapp-vendas", "1440 pt-BR, 390 pt-BR" },
        { "/reports", "1440 pt-BR, 390 pt-BR, 1440 en" },
        { "/agents", "1440 pt-BR, 390 pt-BR" },
        { "/channel-groups/new", "1440 pt-BR, 390 pt-BR" },
    };

    /// <summary>
    /// One signed-in page per path, loaded again at each width and language (a fresh load, as a person on that screen gets
    /// it); every variant is scanned before the test fails, so one report names all that is wrong with the page.
    /// </summary>
    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_HasNoSeriousOrCriticalViolations(string path, string variants)
    {
        var page = await fixture.SignedInPageAsync();
        var url = await ResolveAsync(path);
        var culture = "pt-BR";
        var failures = new List<string>();
        foreach (var variant in variants.Split(", "))
        {
            var width = int.Parse(variant.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            await page.SetViewportSizeAsync(width, width > 800 ? 900 : 844);
            if (variant.Split(' ')[1] != culture)
            {
                culture = variant.Split(' ')[1];
                await page.GotoAsync($"/culture/set?culture={culture}&redirectUri=/");
            }

            await page.GotoAsync(url);
            await BrowserFixture.WaitForCircuitAsync(page);
            if (path == "/")
            {
                // With a conversation open: the thread, its header actions and the reply box are scanned too.
                await page.GetByTestId("conversation-list").GetByText("Mariana Costa").First.ClickAsync();
                await page.GetByTestId("thread").WaitForAsync();
            }

            var violations = await SeriousViolationsAsync(page);
            if (violations.Count > 0)
            {
                failures.Add($"{path} at {width} px ({culture}):\n{string.Join("\n", violations)}");
            }
        }

        Assert.True(failures.Count == 0, $"axe-core on {string.Join("\n", failures)}");
    }

    /// <summary>A channel whose group sets its automatic assignment: the notice with the group's link, the disabled mode.</summary>
    [Theory]
    [InlineData(1440, "en")]
    [InlineData(390, "pt-BR")]
    public async Task ChannelWhoseGroupAssigns_HasNoSeriousOrCriticalViolations(int width, string culture)
    {
        int channelId;
        await using (var db = await fixture.App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<TalkToMe.Core.Data.TalkToMeDbContext>>()
            .CreateDbContextAsync())
        {
            channelId = (await db.AddChannelAsync($"Axe grupo {width} {culture}")).Id;
        }

        var groups = fixture.App.Services.GetRequiredService<TalkToMe.Core.Channels.ChannelGroupService>();
        Assert.True((await groups.CreateAsync(TalkToMe.Tests.Core.Channels.ChannelGroupServiceTests.Admin, new TalkToMe.Core.Channels.ChannelGroupInput(
            $"Axe {width} {culture}", null, [channelId], AssignMode: TalkToMe.Core.Conversations.GroupAssignMode.LeastBusy))).Succeeded);
        var page = await fixture.SignedInPageAsync();
        await page.SetViewportSizeAsync(width, width > 800 ? 900 : 844);
        if (culture != "pt-BR")
        {
            await page.GotoAsync($"/culture/set?culture={culture}&redirectUri=/");
        }

        await page.GotoAsync($"/channels/{channelId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.GetByTestId("assignment-by-group").WaitForAsync();

        await AssertNoSeriousViolationsAsync(page, $"a channel whose group assigns at {width} px ({culture})");
    }

    /// <summary>The inbox's "Nova conversa" dialog, open over the inbox: its MudBlazor fields must all be named.</summary>
    [Theory]
    [InlineData(1440, "pt-BR")]
    [InlineData(390, "pt-BR")]
    [InlineData(390, "en")]
    public async Task NewConversationDialog_HasNoSeriousOrCriticalViolations(int width, string culture)
    {
        var page = await fixture.SignedInPageAsync();
        await page.SetViewportSizeAsync(width, width > 800 ? 900 : 844);
        if (culture != "pt-BR")
        {
            await page.GotoAsync($"/culture/set?culture={culture}&redirectUri=/");
        }

        await page.GotoAsync("/");
        await BrowserFixture.WaitForCircuitAsync(page);
        var title = culture == "en" ? "New conversation" : "Nova conversa";
        await page.GetByTestId("new-conversation-button").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = title })).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, $"the {title} dialog at {width} px ({culture})");
    }

    /// <summary>The Agentes page's edit dialog (teams: the agent's groups and "Só os canais dos seus grupos").</summary>
    [Theory]
    [InlineData(390, "pt-BR")]
    [InlineData(390, "en")]
    public async Task AgentEditDialog_HasNoSeriousOrCriticalViolations(int width, string culture)
    {
        var page = await fixture.SignedInPageAsync();
        await page.SetViewportSizeAsync(width, 844);
        if (culture != "pt-BR")
        {
            await page.GotoAsync($"/culture/set?culture={culture}&redirectUri=/");
        }

        await page.GotoAsync("/agents");
        await BrowserFixture.WaitForCircuitAsync(page);
        var dialog = page.GetByRole(AriaRole.Dialog);
        for (var attempt = 0; ; attempt++)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = culture == "en" ? "Edit Admin" : "Editar Admin" }).ClickAsync();
            try
            {
                await Expect(dialog).ToBeVisibleAsync(new() { Timeout = 3_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 2)
            {
            }
        }

        await Expect(dialog.GetByRole(AriaRole.Switch)).ToBeVisibleAsync();
        await AssertNoSeriousViolationsAsync(page, $"the agent dialog at {width} px ({culture})");
    }

    /// <summary>
    /// "Who is here" in an open conversation: four other agents viewing (three avatars and "+1") and one of them and the
    /// customer typing; the header must still fit the phone's width.
    /// </summary>
    [Theory]
    [InlineData(1440, "pt-BR")]
    [InlineData(390, "pt-BR")]
    [InlineData(390, "en")]
    public async Task ConversationWithViewersAndTyping_HasNoSeriousOrCriticalViolations(int width, string culture)
    {
        var page = await fixture.SignedInPageAsync();
        await page.SetViewportSizeAsync(width, width > 800 ? 900 : 844);
        if (culture != "pt-BR")
        {
            await page.GotoAsync($"/culture/set?culture={culture}&redirectUri=/");
        }

        await page.GotoAsync("/");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.GetByTestId("conversation-list").GetByText("Mariana Costa").First.ClickAsync();
        await page.GetByTestId("thread").WaitForAsync();
        var conversationId = int.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var presence = fixture.App.Services.GetRequiredService<TalkToMe.Core.Realtime.ConversationPresence>();
        var views = new[] { "Bruno Lima", "Carla Dias", "Davi Rocha", "Eva Prado" }
            .Select((name, i) => presence.View(conversationId, $"axe-agent-{i}", name)).ToList();
        // Two typists who keep typing while the page is scanned, as real ones would (their lines would expire otherwise).
        using var typing = new CancellationTokenSource();
        var typists = Task.Run(async () =>
        {
            while (!typing.IsCancellationRequested)
            {
                presence.Typing(conversationId, "axe-agent-0", "Bruno Lima", isNote: true);
                presence.Typing(conversationId, null, "Mariana Costa", isContact: true);
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
            }
        });
        try
        {
            await Expect(page.GetByTestId("viewers").GetByRole(AriaRole.Img)).ToHaveCountAsync(4);
            await Expect(page.GetByTestId("typing").Locator("span")).ToHaveCountAsync(2);
            var viewers = await page.GetByTestId("viewers").BoundingBoxAsync();
            Assert.True(viewers is not null && viewers.X >= 0 && viewers.X + viewers.Width <= width, $"the avatars at {viewers?.X}+{viewers?.Width} px on a {width} px screen");
            await AssertNoSeriousViolationsAsync(page, $"a conversation with viewers and typists at {width} px ({culture})");
        }
        finally
        {
            typing.Cancel();
            await typists;
            views.ForEach(v => v.Dispose());
        }
    }

    internal static Task AssertNoSeriousViolationsAsync(IPage page, string what) => AssertNoSeriousViolationsAsync(page.MainFrame, what);

    /// <summary>A frame of its own (the website widget's iframe): axe scans the document the frame shows.</summary>
    internal static async Task AssertNoSeriousViolationsAsync(IFrame frame, string what)
    {
        var violations = await SeriousViolationsAsync(frame);
        Assert.True(violations.Count == 0, $"axe-core on {what}:\n{string.Join("\n", violations)}");
    }

    private static async Task<List<string>> SeriousViolationsAsync(IPage page) => await SeriousViolationsAsync(page.MainFrame);

    private static async Task<List<string>> SeriousViolationsAsync(IFrame page)
    {
        // Evaluated through the DevTools protocol, not added as a <script>: the app's Content-Security-Policy
        // (script-src 'self') rightly refuses an inline script, and the scan must not weaken it.
        await page.EvaluateAsync(await File.ReadAllTextAsync(AxePath()));
        var json = await page.EvaluateAsync<JsonElement>("""
            async () => {
                const result = await axe.run(document, { resultTypes: ['violations'] });
                return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary) }));
            }
            """);

        return json.EnumerateArray().Select(v =>
            $"{v.GetProperty("impact").GetString()} {v.GetProperty("id").GetString()}: {v.GetProperty("help").GetString()}\n    "
            + string.Join("\n    ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()))).ToList();
    }

    /// <summary>The demo WhatsApp channel's page: its id is whatever the seed gave it.</summary>
    private async Task<string> ResolveAsync(string path)
    {
        if (path != "/channels/whatsapp-vendas")
        {
            return path;
        }

        await using var db = await fixture.App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<TalkToMe.Core.Data.TalkToMeDbContext>>()
            .CreateDbContextAsync();
        var id = db.Channels.Where(c => c.Name == "WhatsApp Vendas").Select(c => c.Id).First();
        return $"/channels/{id}";
    }

    private static string AxePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "TalkToMe.Tests", "Accessibility", "node_modules", "axe-core", "axe.min.js");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "axe-core is not installed: run ./test.sh (it runs npm install in TalkToMe.Tests/Accessibility).");
    }
}
