using Microsoft.Playwright;

namespace TalkToMe.Tests.Support;

/// <summary>
/// One headless Debian Chromium (never a downloaded browser) and one TalkToMe app per test class; each test gets
/// its own browser context, so cookies never leak between tests.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;
    public TestApp App { get; private set; } = null!;

    /// <summary>Settings of this fixture's app, for test classes that need a timing or an option of their own.</summary>
    protected virtual IDictionary<string, string?>? AppSettings => null;

    /// <summary>Flags of this fixture's browser only, for a test class that needs one the others must not share (a fake microphone).</summary>
    protected virtual string[] ChromiumArgs => [];

    public async Task InitializeAsync()
    {
        // This machine is small and shared by parallel test classes: give live updates time, never fixed sleeps.
        Assertions.SetDefaultExpectTimeout(15_000);
        App = await TestApp.StartAsync(AppSettings);
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(_playwright, ChromiumArgs);
    }

    /// <summary>Debian's headless Chromium with the flags that keep it off the network and quiet.</summary>
    public static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright, params string[] extraArgs)
    {
        var executable = Environment.GetEnvironmentVariable("TALKTOME_CHROMIUM") ?? ChromiumPath;
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"Chromium not found at {executable}. Run ./test.sh (it installs Debian's chromium) or apt-get install -y chromium.");
        }

        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", .. extraArgs,
            ],
        });
    }

    public async Task<IPage> NewPageAsync(string? storageState = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = App.BaseUrl, Locale = "pt-BR", StorageState = storageState,
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    // The admin's cookies after this fixture's first sign-in through the form: later tests start from them, so the suite
    // does not pay a login page, a password hash and a redirect for each of its many admin pages.
    private string? _adminState;

    /// <summary>
    /// A new browser context signed in and at the inbox, its circuit live. The admin signs in through the form once per
    /// fixture and later contexts reuse the cookie (a rejected cookie falls back to the form); any other user always
    /// signs in through the form, since tests deactivate, demote or change the password of their own users.
    /// </summary>
    public async Task<IPage> SignedInPageAsync(string email = TestApp.AdminEmail, string password = TestApp.AdminPassword)
    {
        var admin = email == TestApp.AdminEmail && password == TestApp.AdminPassword;
        if (admin && _adminState is { } state)
        {
            var signedIn = await NewPageAsync(state);
            await signedIn.GotoAsync("/");
            if (!signedIn.Url.Contains("/account/login", StringComparison.Ordinal))
            {
                await WaitForCircuitAsync(signedIn);
                return signedIn;
            }

            await signedIn.Context.CloseAsync();
        }

        var page = await NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Senha").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        // The circuit is live once Blazor has attached; waiting here keeps clicks from landing on prerendered markup.
        await WaitForCircuitAsync(page);
        if (admin)
        {
            _adminState = await page.Context.StorageStateAsync();
        }

        return page;
    }

    /// <summary>Waits until the page runs over its live circuit (the layout marks it), so clicks never land on prerendered markup.</summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.Locator("[data-circuit=live]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}
