using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Agents;

/// <summary>
/// Issue 15 items 1 and 3 in the browser, in pt-BR: an agent switches their availability in the app bar and the admin's
/// Agentes page shows it live; with automatic assignment on, a new customer conversation appears live in the available
/// agent's "Minhas" list with its activity line. One app for this class: it turns automatic assignment on.
/// </summary>
public sealed class AvailabilityBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string CarlaEmail = "carla@talktome.local";
    private const string DaviEmail = "davi@talktome.local";
    private const string Password = "Senha-Agente-123";

    private IDbContextFactory<TalkToMeDbContext> Factory => fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    private async Task<AppUser> AgentAsync(string email, string name)
    {
        await using var db = await Factory.CreateDbContextAsync();
        return await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email)
            ?? await fixture.App.CreateUserAsync(email, Password, Roles.Agent, name);
    }

    private async Task<AgentStatus> StatusAsync(string userId)
    {
        await using var db = await Factory.CreateDbContextAsync();
        return await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.Status).SingleAsync();
    }

    private static ILocator StatusButton(IPage page, string status) =>
        page.GetByRole(AriaRole.Button, new() { Name = $"Disponibilidade: {status}" });

    [Fact]
    public async Task AppBar_AgentSwitchesToOcupado_TheAdminsAgentesPageShowsItLive()
    {
        var davi = await AgentAsync(DaviEmail, "Davi Souza");
        var admin = await fixture.SignedInPageAsync();
        await admin.GotoAsync("/agents");
        await BrowserFixture.WaitForCircuitAsync(admin);
        var daviRow = admin.GetByRole(AriaRole.Row).Filter(new() { HasText = "Davi Souza" });
        await Expect(daviRow.GetByTestId("agent-availability")).ToHaveTextAsync("Offline");

        // The admin gives Davi a capacity in the agent dialog (empty means no limit).
        await Expect(daviRow.GetByTestId("agent-capacity-cell")).ToHaveTextAsync("Sem limite");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Editar Davi Souza" }).ClickAsync();
        var dialog = admin.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Capacidade (conversas abertas)").FillAsync("3");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await Expect(daviRow.GetByTestId("agent-capacity-cell")).ToHaveTextAsync("3");
        await using (var db = await Factory.CreateDbContextAsync())
        {
            Assert.Equal(3, await db.Users.Where(u => u.Id == davi.Id).Select(u => u.MaxOpenConversations).SingleAsync());
        }

        // Opening a page makes an agent who was Offline by themselves available: the admin sees it without a reload.
        var page = await fixture.SignedInPageAsync(DaviEmail, Password);
        await Expect(StatusButton(page, "Disponível")).ToBeVisibleAsync();
        await Expect(daviRow.GetByTestId("agent-availability")).ToHaveTextAsync("Disponível");

        await StatusButton(page, "Disponível").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Disponível" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Offline" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Ocupado" }).ClickAsync();

        await Expect(StatusButton(page, "Ocupado")).ToBeVisibleAsync();
        await Expect(daviRow.GetByTestId("agent-availability")).ToHaveTextAsync("Ocupado");
        await Expect(daviRow.GetByTestId("agent-availability")).ToHaveAttributeAsync("data-status", "Busy");
        Assert.Equal(AgentStatus.Busy, await StatusAsync(davi.Id));

        // A phone: the status still fits the bar (dot only) and still says what it is.
        await page.SetViewportSizeAsync(390, 800);
        await Expect(StatusButton(page, "Ocupado")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("status-current").Locator(".ttm-agent-dot")).ToBeVisibleAsync();
        var box = await page.GetByTestId("status-current").BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X + box.Width <= 390, $"the status menu is off the screen at 390 px ({box.X} + {box.Width})");

        // Chosen Offline: kept, not undone by the page being open.
        await StatusButton(page, "Ocupado").ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Offline" }).ClickAsync();
        await Expect(daviRow.GetByTestId("agent-availability")).ToHaveTextAsync("Offline");
        await page.ReloadAsync();
        await BrowserFixture.WaitForCircuitAsync(page);
        await Expect(StatusButton(page, "Offline")).ToBeVisibleAsync();
        Assert.Equal(AgentStatus.Offline, await StatusAsync(davi.Id));
    }

    [Fact]
    public async Task AutomaticAssignment_NewConversationAppearsLiveInTheAvailableAgentsList()
    {
        var carla = await AgentAsync(CarlaEmail, "Carla Dias");
        int channelId;
        string token;
        await using (var db = await Factory.CreateDbContextAsync())
        {
            var channel = await db.Channels.SingleAsync(c => c.Name == "API Loja");
            token = Secrets.NewToken("ttm_ch");
            channel.SetApiTokenHash(Secrets.Hash(token));
            await db.SaveChangesAsync();
            channelId = channel.Id;
        }

        var adminId = (await AgentAsync(TestApp.AdminEmail, "Admin")).Id;
        await fixture.App.Services.GetRequiredService<AutoAssigner>()
            .SetModeAsync(new Actor(adminId, "Admin", IsAdmin: true), channelId, AutoAssignMode.RoundRobin);

        var page = await fixture.SignedInPageAsync(CarlaEmail, Password);
        await Expect(StatusButton(page, "Disponível")).ToBeVisibleAsync();
        await page.GetByTestId("assignee-Mine").ClickAsync();
        await Expect(page.GetByTestId("assignee-Mine")).ToHaveAttributeAsync("aria-selected", "true");

        var conversationId = await PostInboundAsync(channelId, token, "auto-1", "Renata Alves", "Quero trocar o tamanho");

        var item = page.GetByTestId("conversation-list").Locator($"[data-conversation-id='{conversationId}']");
        await Expect(item).ToBeVisibleAsync();
        await item.ClickAsync();
        await Expect(page.GetByTestId("thread").GetByText("Atribuída automaticamente a Carla Dias")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("assignee-name")).ToHaveTextAsync("Carla Dias");
        await using var check = await Factory.CreateDbContextAsync();
        Assert.Equal(carla.Id, await check.Conversations.Where(c => c.Id == conversationId).Select(c => c.AssigneeId).SingleAsync());
    }

    private async Task<int> PostInboundAsync(int channelId, string token, string contactId, string contactName, string text)
    {
        using var client = fixture.App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/channels/{channelId}/messages")
        {
            Content = JsonContent.Create(new { contact = new { id = contactId, name = contactName }, text, id = Guid.NewGuid().ToString("N") }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("conversationId").GetInt32();
    }
}
