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
    public async Task Pages_LinkRadzensMaterialTheme_WithoutTheRootHasRulesThatRestyledTheWholeInbox()
    {
        using var client = _app.CreateClient();
        var html = await client.GetStringAsync("/account/login");

        var href = Regex.Match(html, @"<link rel=""stylesheet"" href=""(?<href>[^""]*css/theme/material-base[^""]*\.css)""").Groups["href"].Value;
        Assert.NotEqual("", href);
        Assert.DoesNotContain("_content/Radzen.Blazor/css/", html);
        var css = await client.GetStringAsync("/" + href.TrimStart('/'));

        // Still the whole Material theme (layout, buttons, dialogs)…
        Assert.Contains(".rz-layout{", css);
        Assert.Contains(".rz-button{", css);
        Assert.Contains(".rz-dialog{", css);
        // …with its root and body declarations applied directly instead of through a :has() on the root.
        Assert.DoesNotContain(":root:has(", css);
        Assert.Contains(":root{box-sizing:border-box;scroll-behavior:smooth;font-size:var(--rz-root-font-size)}", css);
        Assert.Contains("body{margin:0;color:var(--rz-text-color);background-color:var(--rz-body-background-color)", css);
        // The icon and text fonts still load from the package's folder.
        var fonts = Regex.Matches(css, @"url\(""(?<url>[^""]+\.woff2)""\)").Select(m => m.Groups["url"].Value).Distinct().ToList();
        Assert.Equal(2, fonts.Count);
        foreach (var font in fonts)
        {
            var url = new Uri(new Uri(client.BaseAddress!, "/" + href.TrimStart('/')), font);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        }
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
