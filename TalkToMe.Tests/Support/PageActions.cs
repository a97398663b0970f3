using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace TalkToMe.Tests.Support;

/// <summary>Browser steps that must survive a loaded CI machine without hiding a real failure.</summary>
public static class PageActions
{
    /// <summary>
    /// Waits until the reply box's Enter-to-send is wired (inbox.js marks the textarea once it is). Typing before that, as a
    /// test can within milliseconds of opening a conversation, makes Enter a line break instead of a send.
    /// </summary>
    public static Task WaitForReplyBoxAsync(IPage page) =>
        Assertions.Expect(page.Locator("#reply-text[data-ttm-attached]")).ToBeAttachedAsync();

    /// <summary>
    /// Clicks a submit button and waits for the page it leads to. On a loaded machine Blazor Server can drop a click that
    /// arrives while a re-render replaces the button's handler; a person clicks again, and so does this, once (the pages
    /// ignore a second submit while one is saving). A click that still leads nowhere fails with what the page says.
    /// </summary>
    public static async Task ClickAndWaitForUrlAsync(IPage page, ILocator button, Regex url)
    {
        for (var attempt = 1; ; attempt++)
        {
            await button.ClickAsync();
            try
            {
                // Polls page.Url rather than waiting for a navigation event: Blazor's NavigateTo is a pushState that can land
                // while the click is still being acknowledged, and a missed event must not read as a page that went nowhere.
                await Assertions.Expect(page).ToHaveURLAsync(url, new() { Timeout = attempt == 1 ? 8_000 : 15_000 });
                return;
            }
            catch (PlaywrightException) when (attempt == 1 && !url.IsMatch(page.Url))
            {
            }
            catch (PlaywrightException ex)
            {
                var said = await page.Locator("[role=alert], [id^='error-'], .mud-input-error .mud-input-helper-text").AllInnerTextsAsync();
                throw new TimeoutException($"Still at {page.Url} after clicking twice; the page says: [{string.Join(" | ", said.Where(s => s.Trim().Length > 0))}]", ex);
            }
        }
    }
}
