using System.Net;
using System.Text.RegularExpressions;
using TalkToMe.Core.Agents;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Endpoints;

/// <summary>The app over real HTTP on loopback: health, sign-in by form post, and what anonymous or agent users may reach.</summary>
public class HostingEndpointTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Healthz_ReportsHealthyWhenTheDatabaseAnswers()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/channels")]
    [InlineData("/agents")]
    [InlineData("/conversations/1")]
    public async Task AnonymousRequest_IsRedirectedToSignIn(string path)
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task SignIn_WithRightPassword_SetsTheCookieAndOpensTheInbox()
    {
        using var client = _app.CreateClient();

        var response = await SignInAsync(client, TestApp.AdminEmail, TestApp.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var inbox = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, inbox.StatusCode);
        Assert.Contains("Caixa de entrada", await inbox.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pages_LinkMudBlazorsStylesheetAndScript_AndOurCssHasNoRootHasRule()
    {
        using var client = _app.CreateClient();
        var html = await client.GetStringAsync("/account/login");

        var css = Regex.Match(html, @"<link rel=""stylesheet"" href=""(?<href>_content/MudBlazor/MudBlazor\.min[^""]*\.css)""").Groups["href"].Value;
        var script = Regex.Match(html, @"<script src=""(?<src>_content/MudBlazor/MudBlazor\.min[^""]*\.js)""").Groups["src"].Value;
        Assert.NotEqual("", css);
        Assert.NotEqual("", script);
        Assert.Contains(".mud-layout", await client.GetStringAsync("/" + css));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/" + script)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_framework/blazor.web.js")).StatusCode);
        // A :has() on the root makes Chromium re-check the whole document on every DOM change (8-12 ms per live update
        // of the inbox, measured with Radzen's theme): our own stylesheet must never bring one back.
        var appCss = Regex.Match(html, @"<link rel=""stylesheet"" href=""(?<href>css/app[^""]*\.css)""").Groups["href"].Value;
        Assert.DoesNotContain(":root:has(", await client.GetStringAsync("/" + appCss));
    }

    [Fact]
    public async Task UnknownAddress_Gets404WithAPageAndAWayBack()
    {
        using var client = _app.CreateClient();
        var response = await client.GetAsync("/nao-existe/de-jeito-nenhum");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("Página não encontrada", html);
        Assert.Contains("href=\"/\"", html);
    }

    [Fact]
    public async Task Favicon_IsServed()
    {
        using var client = _app.CreateClient();
        var html = await client.GetStringAsync("/account/login");
        var href = Regex.Match(html, @"<link rel=""icon""[^>]* href=""(?<href>[^""]+\.svg)""").Groups["href"].Value;

        Assert.NotEqual("", href);
        var icon = await client.GetAsync("/" + href);
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRefused()
    {
        using var client = _app.CreateClient();

        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = TestApp.AdminEmail,
            ["password"] = TestApp.AdminPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SignIn_ReturnUrlToAnotherSite_IsIgnored()
    {
        using var client = _app.CreateClient();

        var response = await SignInAsync(client, TestApp.AdminEmail, TestApp.AdminPassword, "//evil.example/steal");

        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Agent_CannotOpenTheAgentsPage()
    {
        await _app.CreateUserAsync("agent.pages@talktome.local", "Agente-123456", Roles.Agent);
        using var client = _app.CreateClient();
        await SignInAsync(client, "agent.pages@talktome.local", "Agente-123456");

        var agents = await client.GetAsync("/agents");
        var inbox = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, agents.StatusCode);
        Assert.StartsWith("/account/denied", agents.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, inbox.StatusCode);
    }

    [Fact]
    public async Task DeactivatedAgent_CannotSignIn()
    {
        var user = await _app.CreateUserAsync("gone@talktome.local", "Agente-123456", Roles.Agent);
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
            var stored = await users.FindByIdAsync(user.Id);
            stored!.IsDeactivated = true;
            await users.UpdateAsync(stored);
        }

        using var client = _app.CreateClient();
        var response = await SignInAsync(client, "gone@talktome.local", "Agente-123456");

        Assert.Contains("error=deactivated", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task CultureEndpoint_RefusesUnknownCultures()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/culture/set?culture=xx&redirectUri=/");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password, string returnUrl = "/")
    {
        var page = await client.GetStringAsync("/account/login");
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        }));
    }
}
