using System.Net;
using System.Net.Http.Headers;
using Microsoft.Playwright;
using TalkToMe.Tests.Browser.Channels;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Profile;

public class ProfileBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ApiToken_CreatedOnProfile_IsShownOnce_WorksOnTheApi_UntilRevoked()
    {
        var page = await fixture.SignedInPageAsync();
        await AppShell.OpenProfileAsync(page);
        await page.WaitForURLAsync("**/profile");
        await ChannelAdminBrowserTests.ReloadAsync(page);

        await page.GetByLabel("Nome do token").FillAsync("Integração ERP");
        await page.GetByRole(AriaRole.Button, new() { Name = "Criar token" }).ClickAsync();
        var shown = page.GetByTestId("new-token");
        await Expect(shown).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^ttm_pat_.{20,}"));
        var token = await shown.InputValueAsync();
        var row = page.GetByTestId("token-row").Filter(new() { HasText = "Integração ERP" });
        await Expect(row).ToContainTextAsync("Ativo");

        using var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/channels")).StatusCode);

        await ChannelAdminBrowserTests.ReloadAsync(page);
        await Expect(page.GetByTestId("new-token")).ToHaveCountAsync(0);
        await Expect(page.Locator("body")).Not.ToContainTextAsync(token);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revogar Integração ERP" }).ClickAsync();
        await Expect(page.GetByTestId("token-row").Filter(new() { HasText = "Integração ERP" })).ToContainTextAsync("Revogado");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/channels")).StatusCode);
    }

    [Fact]
    public async Task ApiToken_WithoutName_ShowsAFieldMessage()
    {
        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/profile");

        await page.GetByRole(AriaRole.Button, new() { Name = "Criar token" }).ClickAsync();

        await Expect(page.Locator("[data-field='Name']")).ToHaveTextAsync("Informe um nome de até 100 caracteres.");
        await Expect(page.GetByTestId("token-row")).ToHaveCountAsync(0);
    }
}
