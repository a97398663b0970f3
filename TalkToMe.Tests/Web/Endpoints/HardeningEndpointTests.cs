using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Data;
using TalkToMe.Core.Agents;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Agents;

namespace TalkToMe.Tests.Web.Endpoints;

/// <summary>
/// The probe's transport and small findings over real HTTP: two apps, one as a developer runs it (with a short periodic
/// re-check of open pages), one as Production behind a TLS proxy on 127.0.0.1 with a certificate for its keys.
/// </summary>
public sealed class HardeningEndpointTests : IAsyncLifetime
{
    private const string CertificatePassword = "senha-do-certificado";
    private TestApp _app = null!;
    private TestApp _production = null!;
    private string _certificateFolder = "";

    public async Task InitializeAsync()
    {
        _certificateFolder = Directory.CreateTempSubdirectory("talktome-cert-").FullName;
        var certificatePath = Path.Combine(_certificateFolder, "keys.pfx");
        await File.WriteAllBytesAsync(certificatePath, NewCertificate().Export(X509ContentType.Pfx, CertificatePassword));
        _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["TalkToMe:Auth:RevalidationInterval"] = "00:00:00.3" });
        _production = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["environment"] = "Production",
            ["TalkToMe:SeedDemoData"] = "false",
            ["TalkToMe:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
            ["TalkToMe:DataProtection:CertificatePath"] = certificatePath,
            ["TalkToMe:DataProtection:CertificatePassword"] = CertificatePassword,
        }, configure: builder =>
        {
            builder.Services.AddSingleton<IStartupFilter, CrashingPath>();
            builder.Services.AddScoped<IUserClaimsPrincipalFactory<AppUser>, CrashingSignIn>();
        });
        await _production.CreateUserAsync(CrashingSignIn.Email, "Agente-123456", Roles.Agent);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _production.DisposeAsync();
        Directory.Delete(_certificateFolder, recursive: true);
    }

    [Theory]
    [InlineData("/%5Cevil.example")]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("/%09/evil.example")]
    [InlineData("")]
    public async Task CultureSwitch_WithABadRedirect_GoesHome(string redirectUri)
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync($"/culture/set?culture=en&redirectUri={redirectUri}");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task CultureSwitch_BackToAPageOfThisSite_StillWorks()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/culture/set?culture=en&redirectUri=%2Fchannels%3Fx%3D1");

        Assert.Equal("/channels?x=1", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignOut_WithoutTheAntiforgeryToken_IsRefused_AndTheUserStaysSignedIn()
    {
        using var client = _app.CreateClient();
        await HostingEndpointTests.SignInAsync(client, TestApp.AdminEmail, TestApp.AdminPassword);

        // What another site's hidden form would send.
        var forged = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        // The account menu's form carries the token: that one signs out.
        // The account menu renders its token only when opened; any page rendered for this user has one.
        var page = await client.GetStringAsync("/account/login");
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEqual("", token);
        var signOut = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        var after = await client.GetAsync("/");
        Assert.StartsWith("/account/login", after.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/not-found")]
    [InlineData("/healthz")]
    public async Task Responses_CarryTheSecurityHeaders(string path)
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single().Split(';').Select(d => d.Trim()).ToList();
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Contains("base-uri 'self'", csp);
        Assert.Contains("frame-ancestors 'self'", csp);
        Assert.DoesNotContain(csp, d => d.StartsWith("script-src", StringComparison.Ordinal) && (d.Contains("unsafe") || d.Contains('*')));
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        var permissions = response.Headers.GetValues("Permissions-Policy").Single();
        Assert.Contains("camera=()", permissions);
        // The reply box records voice notes on this app's own pages only.
        Assert.Contains("microphone=(self)", permissions);
        Assert.Contains("geolocation=()", permissions);
    }

    [Fact]
    public async Task BehindAKnownTlsProxy_CookiesAreSecure_AndHstsIsSent()
    {
        using var client = NoCookieClient(_production);

        var login = await SendAsync(client, HttpMethod.Get, "/account/login", forwardedProto: "https");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("max-age=", login.Headers.GetValues("Strict-Transport-Security").Single());
        var antiforgery = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        var signIn = await SignInOverProxyAsync(client, login);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var auth = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("TalkToMe.Auth=", StringComparison.Ordinal));
        Assert.Contains("secure", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PlainHttp_OrAnUnknownProxy_GetsNoSecureCookieAndNoHsts()
    {
        // Straight to the app over HTTP: nothing to upgrade, and a Secure cookie would never come back.
        using var production = NoCookieClient(_production);
        var plain = await SendAsync(production, HttpMethod.Get, "/account/login", forwardedProto: null);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        Assert.DoesNotContain("secure", plain.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)),
            StringComparison.OrdinalIgnoreCase);

        // An app with no proxy configured believes no X-Forwarded-Proto, whoever sends it.
        using var development = NoCookieClient(_app);
        var claimed = await SendAsync(development, HttpMethod.Get, "/account/login", forwardedProto: "https");
        Assert.DoesNotContain("secure", claimed.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)),
            StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task ACrashInProduction_ShowsTheFriendlyErrorPage_WithATraceId(string method)
    {
        using var client = _production.CreateClient();

        // A page that crashes, or a form post (a sign-in) that crashes: the POST used to answer 405.
        var response = method == "GET"
            ? await client.GetAsync(CrashingPath.Path)
            : await HostingEndpointTests.SignInAsync(client, CrashingSignIn.Email, "Agente-123456");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains("Algo deu errado", html);
        Assert.Matches("data-testid=\"trace-id\">[0-9a-f]{32}<", html);
        Assert.DoesNotContain("Sonda de falha", html);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task TheErrorPage_SpeaksEnglish_ToAnEnglishReader()
    {
        using var client = _production.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, CrashingPath.Path);
        request.Headers.Add("Cookie", ".AspNetCore.Culture=c%3Den%7Cuic%3Den");

        var response = await client.SendAsync(request);

        Assert.Contains("Something went wrong", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WithACertificate_TheDataProtectionKeysAreEncryptedAtRest()
    {
        // A sign-in page needs an antiforgery token, which needs a key.
        using var client = _production.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode);

        // On SQLite the keys are files beside the database; on PostgreSQL, rows every node reads.
        List<string> keys;
        if (TestPostgres.Enabled)
        {
            await using var db = await _production.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
            keys = await db.SigningKeys.Select(k => k.Xml).ToListAsync();
        }
        else
        {
            var files = Directory.GetFiles(Path.Combine(Path.GetDirectoryName(_production.DatabasePath)!, "keys"), "key-*.xml");
            keys = [.. await Task.WhenAll(files.Select(f => File.ReadAllTextAsync(f)))];
        }

        Assert.NotEmpty(keys);
        foreach (var xml in keys)
        {
            Assert.Contains("<encryptedSecret", xml);
            Assert.DoesNotContain("This key is not encrypted", xml);
        }
    }

    [Fact]
    public async Task AWrongCertificatePassword_StopsTheStartWithAClearMessage()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["TalkToMe:DataProtection:CertificatePath"] = Path.Combine(_certificateFolder, "keys.pfx"),
            ["TalkToMe:DataProtection:CertificatePassword"] = "errada",
        }));

        Assert.Contains("TalkToMe:DataProtection:CertificatePath", error.Message);
    }

    [Fact]
    public async Task AnOpenPage_OfADeactivatedUser_IsSignedOutByThePeriodicCheck()
    {
        var agent = await _app.CreateUserAsync("periodic@talktome.local", "Agente-123456", Roles.Agent);
        var colleague = await _app.CreateUserAsync("colleague@talktome.local", "Agente-123456", Roles.Agent);
        await using var agentPage = _app.Services.CreateAsyncScope();
        await using var colleaguePage = _app.Services.CreateAsyncScope();
        var agentState = await OpenPageAsync(agentPage, agent);
        var colleagueState = await OpenPageAsync(colleaguePage, colleague);
        var signedOut = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        agentState.AuthenticationStateChanged += async state => signedOut.TrySetResult(await state);

        // Changed behind the app's back (another instance, a script): only the periodic check can notice.
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var stored = (await users.FindByIdAsync(agent.Id))!;
            stored.IsDeactivated = true;
            await users.UpdateAsync(stored);
        }

        var state = await signedOut.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(state.User.Identity?.IsAuthenticated);
        Assert.True(((CircuitAuthenticationStateProvider)agentState).Revoked);
        // Several periods later the colleague's page is still signed in.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True((await colleagueState.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);
    }

    private static async Task<AuthenticationStateProvider> OpenPageAsync(AsyncServiceScope scope, AppUser user)
    {
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>()
            .CreateAsync((await users.FindByIdAsync(user.Id))!);
        var provider = scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        ((IHostEnvironmentAuthenticationStateProvider)provider).SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        return provider;
    }

    private static HttpClient NoCookieClient(TestApp app) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(app.BaseUrl + "/") };

    /// <summary>A request as a TLS proxy on 127.0.0.1 forwards it: the public host name and, when given, the browser's scheme.</summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? forwardedProto,
        HttpContent? content = null, string? cookies = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Host = "chat.example.com";
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        }

        if (cookies is not null)
        {
            request.Headers.Add("Cookie", cookies);
        }

        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SignInOverProxyAsync(HttpClient client, HttpResponseMessage login)
    {
        var html = await login.Content.ReadAsStringAsync();
        var token = Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)).Split(';')[0];
        return await SendAsync(client, HttpMethod.Post, "/account/login", "https", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = TestApp.AdminEmail,
            ["password"] = TestApp.AdminPassword,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = token,
        }), cookie);
    }

    private static X509Certificate2 NewCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=TalkToMe data protection (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>Signing in as this user crashes, as a bug in a form post would.</summary>
    private sealed class CrashingSignIn(UserManager<AppUser> users, RoleManager<IdentityRole> roles, Microsoft.Extensions.Options.IOptions<IdentityOptions> options)
        : UserClaimsPrincipalFactory<AppUser, IdentityRole>(users, roles, options)
    {
        public const string Email = "crash@talktome.local";

        public override Task<ClaimsPrincipal> CreateAsync(AppUser user) =>
            user.Email == Email ? throw new InvalidOperationException("Sonda de falha") : base.CreateAsync(user);
    }

    /// <summary>A request that crashes inside the app's pipeline, as a bug would.</summary>
    private sealed class CrashingPath : IStartupFilter
    {
        public const string Path = "/test/crash";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            // After the app's own pipeline: reached only by a path no endpoint answers, inside its exception handler.
            app.Use((HttpContext context, RequestDelegate rest) => context.Request.Path == Path
                ? throw new InvalidOperationException("Sonda de falha")
                : rest(context));
        };
    }
}
