using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Security;

/// <summary>
/// Every kind of page under the real Content-Security-Policy in Chromium: no violation is reported, and each page still
/// becomes interactive (a blocked script would leave it dead). The widget's chat is loaded framed by its site, as
/// visitors see it, so frame-ancestors is exercised with the full policy.
/// </summary>
public sealed class ContentSecurityPolicyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private HostPageServer _site = null!;

    public async Task InitializeAsync() => _site = await HostPageServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task EveryPage_RunsUnderThePolicy_WithoutAViolation()
    {
        var (channelId, conversationId, widgetKey) = await PrepareAsync();
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.App.BaseUrl, Locale = "pt-BR" });
        context.SetDefaultTimeout(15_000);
        var violations = new ConcurrentQueue<string>();
        // Reported from every frame of every page, across navigations.
        await context.ExposeBindingAsync("__ttmCspViolation", (BindingSource source, string report) =>
        {
            violations.Enqueue($"{source.Frame.Url}: {report}");
        });
        await context.AddInitScriptAsync("""
            document.addEventListener('securitypolicyviolation', e =>
                window.__ttmCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
            """);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Enqueue($"console: {message.Text}");
            }
        };

        var login = await page.GotoAsync("/account/login");
        AssertStrictPolicy(login, "/account/login");
        await page.GetByLabel("E-mail").FillAsync(TestApp.AdminEmail);
        await page.GetByLabel("Senha").FillAsync(TestApp.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });

        string[] pages =
        [
            "/", $"/conversations/{conversationId}", "/channels", $"/channels/{channelId}", "/channel-groups", "/flows",
            "/agents", "/contacts", "/labels", "/canned-responses", "/macros", "/profile", "/nao-existe-esta-pagina",
        ];
        foreach (var path in pages)
        {
            var response = await page.GotoAsync(path);
            AssertStrictPolicy(response, path);
            await BrowserFixture.WaitForCircuitAsync(page);
            // Interactive for real: the dark-mode switch answers over the circuit.
            var darkMode = page.GetByTestId("dark-mode");
            var pressed = await darkMode.GetAttributeAsync("aria-pressed");
            await darkMode.ClickAsync();
            await Expect(darkMode).Not.ToHaveAttributeAsync("aria-pressed", pressed!);
        }

        // The widget's chat, framed by the channel's site on another origin, sends a message over its own circuit.
        _site.Html = $"""
            <!DOCTYPE html><html><head><title>Loja</title></head><body><h1>Loja</h1>
            <script src="{fixture.App.BaseUrl}/widget.js" data-channel="{widgetKey}" async></script></body></html>
            """;
        var visitor = await context.NewPageAsync();
        await visitor.GotoAsync(_site.BaseUrl + "/");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Abrir chat" }).ClickAsync();
        var chat = visitor.FrameLocator("iframe[data-talktome=frame]");
        await chat.GetByLabel("Sua mensagem").FillAsync("Olá, política de segurança!");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chat.GetByTestId("widget-message").Last).ToHaveTextAsync("Olá, política de segurança!");

        Assert.True(violations.IsEmpty, "Content-Security-Policy violations:\n" + string.Join("\n", violations));
        await context.CloseAsync();
    }

    private static void AssertStrictPolicy(IResponse? response, string path)
    {
        Assert.NotNull(response);
        var headers = response.Headers;
        Assert.True(headers.TryGetValue("content-security-policy", out var csp), $"{path} has no Content-Security-Policy.");
        var directives = csp!.Split(';').Select(d => d.Trim()).ToList();
        Assert.Contains("script-src 'self'", directives);
        Assert.Contains("object-src 'none'", directives);
        Assert.Contains("frame-ancestors 'self'", directives);
        Assert.Equal("nosniff", headers.GetValueOrDefault("x-content-type-options"));
        Assert.Equal("strict-origin-when-cross-origin", headers.GetValueOrDefault("referrer-policy"));
        Assert.Contains("camera=()", headers.GetValueOrDefault("permissions-policy") ?? "");
    }

    private async Task<(int ChannelId, int ConversationId, string WidgetKey)> PrepareAsync()
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
        var channel = new Channel("Chat Seguro", ChannelType.Website, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(new WebsiteSettings { WebsiteUrl = _site.BaseUrl, WelcomeTitle = "Loja Segura" });
        channel.SetSwitches(true, false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        var conversationId = await db.Conversations.OrderByDescending(c => c.LastActivityAt).Select(c => c.Id).FirstAsync();
        return (channel.Id, conversationId, channel.PublicKey);
    }
}
