using Microsoft.Playwright;
using TalkToMe.Core.Agents;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Account;

public class SignInTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task SignIn_ShowsInboxWithDemoConversation_ThenSignOut()
    {
        var page = await fixture.SignedInPageAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Caixa de entrada" })).ToBeVisibleAsync();
        var list = page.GetByTestId("conversation-list");
        await Expect(list.GetByText("Mariana Costa")).ToBeVisibleAsync();
        await Expect(list.GetByText("WhatsApp Vendas").First).ToBeVisibleAsync();
        // Newest activity on top.
        await Expect(list.GetByTestId("contact-name").First).ToHaveTextAsync("Mariana Costa");

        await AppShell.SignOutAsync(page);

        await page.WaitForURLAsync("**/account/login", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Entrar" })).ToBeVisibleAsync();
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**", new() { WaitUntil = WaitUntilState.Commit });
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_ShowsAClearMessage()
    {
        await fixture.App.CreateUserAsync("wrong.password@talktome.local", "Senha-Certa-123", Roles.Agent);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/account/login");

        await page.GetByLabel("E-mail").FillAsync("wrong.password@talktome.local");
        await page.GetByLabel("Senha").FillAsync("senha-errada");
        await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("E-mail ou senha incorretos.");
        await Expect(page.GetByLabel("E-mail")).ToHaveValueAsync("wrong.password@talktome.local");
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LockTheAccount()
    {
        await fixture.App.CreateUserAsync("locked@talktome.local", "Senha-Certa-123", Roles.Agent);
        var page = await fixture.NewPageAsync();

        for (var attempt = 0; attempt < 5; attempt++)
        {
            await page.GotoAsync("/account/login");
            await page.GetByLabel("E-mail").FillAsync("locked@talktome.local");
            await page.GetByLabel("Senha").FillAsync("senha-errada");
            await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
            await page.WaitForURLAsync("**error=**", new() { WaitUntil = WaitUntilState.Commit });
        }

        // Even the right password is refused while the lock lasts.
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mail").FillAsync("locked@talktome.local");
        await page.GetByLabel("Senha").FillAsync("Senha-Certa-123");
        await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Conta bloqueada");
    }

    [Fact]
    public async Task SignInPage_FitsA390PxPhone_WithoutHorizontalScroll()
    {
        var page = await fixture.NewPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/account/login?error=invalid&email=alguem.com.um.email.bem.comprido@talktome.local");

        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"The page is {scrollWidth} px wide on a 390 px phone.");
        var button = await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).BoundingBoxAsync();
        Assert.NotNull(button);
        Assert.True(button.X >= 0 && button.X + button.Width <= 390, "The Entrar button is cut off.");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("E-mail ou senha incorretos.");
    }

    [Fact]
    public async Task AnonymousVisit_ToChannels_RedirectsToSignIn_AndBackAfterwards()
    {
        var page = await fixture.NewPageAsync();

        await page.GotoAsync("/channels");

        await page.WaitForURLAsync("**/account/login**", new() { WaitUntil = WaitUntilState.Commit });
        await page.GetByLabel("E-mail").FillAsync(TestApp.AdminEmail);
        await page.GetByLabel("Senha").FillAsync(TestApp.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
        await page.WaitForURLAsync("**/channels", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Canais" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Language_CanBeSwitchedToEnglish()
    {
        var page = await fixture.SignedInPageAsync();

        await AppShell.SwitchLanguageAsync(page, "English");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox" })).ToBeVisibleAsync();
        // The switch reloads the page: the menu only opens once the new circuit is live.
        await BrowserFixture.WaitForCircuitAsync(page);
        await AppShell.OpenAccountMenuAsync(page);
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }
}
