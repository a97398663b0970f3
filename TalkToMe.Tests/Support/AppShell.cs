using Microsoft.Playwright;

namespace TalkToMe.Tests.Support;

/// <summary>What every signed-in page has in its app bar: the account menu and the language menu.</summary>
public static class AppShell
{
    public static async Task OpenAccountMenuAsync(IPage page) => await page.GetByTestId("user-menu").ClickAsync();

    public static async Task SignOutAsync(IPage page, string label = "Sair")
    {
        await OpenAccountMenuAsync(page);
        await page.GetByRole(AriaRole.Menuitem, new() { Name = label }).ClickAsync();
    }

    public static async Task OpenProfileAsync(IPage page)
    {
        await OpenAccountMenuAsync(page);
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Perfil" }).ClickAsync();
    }

    public static async Task SwitchLanguageAsync(IPage page, string language)
    {
        await page.GetByTestId("language-menu").ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = language }).ClickAsync();
    }
}
