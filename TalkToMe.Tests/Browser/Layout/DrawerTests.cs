using Microsoft.Playwright;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Layout;

/// <summary>The navigation drawer: beside the page on a desktop, over it on a phone.</summary>
public class DrawerTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static ILocator Drawer(IPage page) => page.GetByRole(AriaRole.Complementary, new() { Name = "Navegação" });

    private static ILocator MenuButton(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Menu", Exact = true });

    [Fact]
    public async Task OnADesktop_TheDrawerStaysBesideThePage_AndTheMenuButtonHidesIt()
    {
        var page = await fixture.SignedInPageAsync();

        await Expect(Drawer(page)).ToBeVisibleAsync();
        await Expect(MenuButton(page)).ToHaveAttributeAsync("aria-expanded", "true");
        var list = await page.GetByTestId("conversation-list").BoundingBoxAsync();
        Assert.True(list!.X >= 240, $"The conversation list starts at {list.X} px, under the drawer.");

        await MenuButton(page).ClickAsync();

        await Expect(Drawer(page)).ToBeHiddenAsync();
        await Expect(MenuButton(page)).ToHaveAttributeAsync("aria-expanded", "false");
        await MenuButton(page).ClickAsync();
        await Expect(Drawer(page)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task OnAPhone_TheDrawerOpensOverThePage_AndClosesWhenALinkIsFollowed()
    {
        var page = await fixture.SignedInPageAsync();
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await BrowserFixture.WaitForCircuitAsync(page);

        await Expect(Drawer(page)).ToBeHiddenAsync();
        await Expect(MenuButton(page)).ToHaveAttributeAsync("aria-expanded", "false");

        await MenuButton(page).ClickAsync();
        await Expect(Drawer(page)).ToBeVisibleAsync();
        // Wholly on screen once it has slid in.
        await Expect(Drawer(page)).ToBeInViewportAsync(new() { Ratio = 1 });

        await Drawer(page).GetByRole(AriaRole.Link, new() { Name = "Contatos" }).ClickAsync();
        await page.WaitForURLAsync("**/contacts", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(Drawer(page)).ToBeHiddenAsync();

        // The scrim closes it too.
        await MenuButton(page).ClickAsync();
        await Expect(Drawer(page)).ToBeVisibleAsync();
        await page.Mouse.ClickAsync(370, 400);
        await Expect(Drawer(page)).ToBeHiddenAsync();
    }
}
