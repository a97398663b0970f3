using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Agents;

/// <summary>
/// Issue 15 item 2, "Teams", in the browser, in pt-BR: the admin puts an agent in a channel group (Grupos de Canais →
/// Agentes), restricts them on the Agentes page ("Só os canais dos seus grupos"), and the agent's inbox then shows only that
/// group's conversations; another channel's conversation opened by its URL is "not found". At 390 px wide, as on a phone.
/// </summary>
public sealed class TeamsBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = "Senha-Agente-123";
    private static readonly PageGetByLabelOptions Exact = new() { Exact = true };

    [Fact]
    public async Task AdminPutsAnAgentInAGroupAndRestrictsThem_TheAgentsInboxShowsOnlyThatGroupsConversations()
    {
        var email = $"teresa-{Guid.NewGuid():N}@talktome.local";
        await fixture.App.CreateUserAsync(email, Password, Roles.Agent, "Teresa Times");
        int inSuporte;
        await using (var db = await fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
        {
            var loja = await db.AddChannelAsync("Loja Times");
            var suporte = await db.AddChannelAsync("Suporte Times");
            await db.AddConversationAsync(loja, "Cliente da Loja", DateTime.UtcNow.AddMinutes(-2), "Quero comprar");
            inSuporte = (await db.AddConversationAsync(suporte, "Cliente do Suporte", DateTime.UtcNow.AddMinutes(-1), "Está quebrado")).Id;
        }

        var admin = await fixture.SignedInPageAsync();
        await admin.SetViewportSizeAsync(390, 844);
        await admin.GotoAsync("/channel-groups/new");
        await BrowserFixture.WaitForCircuitAsync(admin);
        await admin.GetByLabel("Nome", Exact).FillAsync("Equipe Loja");
        await PickAsync(admin, "Canais", "Loja Times");
        await PickAsync(admin, "Agentes", "Teresa Times");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();
        await Expect(admin).ToHaveURLAsync(new Regex("/channel-groups$"), new() { Timeout = 15_000 });

        await admin.GotoAsync("/agents");
        await BrowserFixture.WaitForCircuitAsync(admin);
        await admin.GetByPlaceholder("Buscar agentes").FillAsync("Teresa");
        var row = admin.GetByTestId("agent-list").GetByRole(AriaRole.Row).Filter(new() { HasText = "Teresa Times" });
        await Expect(row.GetByTestId("agent-groups-cell")).ToContainTextAsync("Equipe Loja");
        var dialog = admin.GetByRole(AriaRole.Dialog);
        // The search re-renders the table once its debounce ends: a click on the row before that may be lost with it.
        for (var attempt = 0; ; attempt++)
        {
            await admin.GetByRole(AriaRole.Button, new() { Name = "Editar Teresa Times" }).ClickAsync();
            try
            {
                await Expect(dialog).ToBeVisibleAsync(new() { Timeout = 3_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 2)
            {
            }
        }

        await Expect(dialog.GetByTestId("agent-groups")).ToContainTextAsync("Equipe Loja");
        await dialog.GetByRole(AriaRole.Switch, new() { Name = "Só os canais dos seus grupos" }).CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await Expect(admin.GetByText("Agente salvo.")).ToBeVisibleAsync();
        await Expect(row.GetByTestId("agent-restricted-chip")).ToBeVisibleAsync();

        var agent = await fixture.SignedInPageAsync(email, Password);
        await agent.SetViewportSizeAsync(390, 844);
        var list = agent.GetByTestId("conversation-list");
        await Expect(list).ToContainTextAsync("Cliente da Loja");
        // Only the group's channel: neither the other channel nor any of the demo channels' conversations.
        await Expect(list.GetByTestId("contact-name")).ToHaveTextAsync(["Cliente da Loja"]);

        await agent.GotoAsync($"/conversations/{inSuporte}");
        await BrowserFixture.WaitForCircuitAsync(agent);
        await Expect(agent.GetByText("Conversa não encontrada.")).ToBeVisibleAsync();
        await Expect(agent.GetByText("Está quebrado")).ToHaveCountAsync(0);
    }

    /// <summary>Ticks an option of a multi-select by its label, as a user does, then closes its list.</summary>
    private static async Task PickAsync(IPage page, string label, string option)
    {
        await page.GetByLabel(label, Exact).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        for (var attempt = 0; ; attempt++)
        {
            await page.Keyboard.PressAsync("Escape");
            try
            {
                await Expect(page.GetByRole(AriaRole.Listbox)).ToHaveCountAsync(0, new() { Timeout = 3_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
    }
}
