using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TalkToMe.Core.Agents;
using TalkToMe.Tests.Browser.Channels;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Agents;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Agents;

public class AgentAdminBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static ILocator Row(IPage page, string text) =>
        page.GetByTestId("agent-list").GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    [Fact]
    public async Task Agent_IsEdited_WithFieldMessagesThatClear_ThenDeactivatedAfterConfirmation()
    {
        await fixture.App.CreateUserAsync("edit.me@talktome.local", "Senha-Certa-123", Roles.Agent, "Agente Edição");
        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/agents");

        await page.GetByPlaceholder("Buscar agentes").FillAsync("edit.me");
        await Expect(page.GetByTestId("agent-list").GetByRole(AriaRole.Row)).ToHaveCountAsync(2); // header + the one match
        await page.GetByRole(AriaRole.Button, new() { Name = "Editar Agente Edição" }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Nome").FillAsync(" ");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await Expect(dialog.GetByText("Informe o nome.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Nome").FillAsync("Agente Editado");
        await Expect(dialog.GetByText("Informe o nome.")).ToHaveCountAsync(0);
        await dialog.GetByLabel("E-mail").FillAsync("editado@talktome.local");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.GetByText("Agente salvo.")).ToBeVisibleAsync();
        await page.GetByPlaceholder("Buscar agentes").FillAsync("editado");
        await Expect(Row(page, "Agente Editado")).ToContainTextAsync("editado@talktome.local");

        await page.GetByRole(AriaRole.Button, new() { Name = "Desativar Agente Editado" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Desativar" }).ClickAsync();
        await Expect(Row(page, "Agente Editado")).ToContainTextAsync("Desativado");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reativar Agente Editado" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancelar" }).ClickAsync();
        await Expect(Row(page, "Agente Editado")).ToContainTextAsync("Desativado");
    }

    [Fact]
    public async Task Admin_CannotDemoteOrDeactivateThemselves_OnThePage_NorOnTheServer()
    {
        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/agents");
        await page.GetByPlaceholder("Buscar agentes").FillAsync(TestApp.AdminEmail);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Desativar Admin" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Editar Admin" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).GetByText("Você não pode tirar o seu próprio papel de Admin.")).ToBeVisibleAsync();

        await using var scope = fixture.App.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<AgentAdminService>();
        var admin = (await service.ListAsync()).Single(a => a.Email == TestApp.AdminEmail);
        var self = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, admin.Id), new Claim(ClaimTypes.Role, Roles.Admin)], "test"));
        var errors = await service.UpdateAsync(self, admin.Id, new AgentEdit("Admin", TestApp.AdminEmail, Roles.Agent));
        Assert.Equal("Você não pode tirar o seu próprio papel de Admin.", errors["Role"]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => service.SetDeactivatedAsync(self, admin.Id, true));

        var agent = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "x")], "test"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => service.UpdateAsync(agent, admin.Id, new AgentEdit("X", "x@x", Roles.Agent)));
        Assert.Equal(Roles.Admin, (await service.ListAsync()).Single(a => a.Id == admin.Id).Role);
    }
}
