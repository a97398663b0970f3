using System.Net;
using System.Net.Http.Json;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Widget;

public class WidgetEndpointTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private string _key = "";

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
        var channel = new Channel("Loja", ChannelType.Website, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(new WebsiteSettings { WebsiteUrl = "https://loja.example", WidgetColor = "#ff5722" });
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        _key = channel.PublicKey;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ChatPage_MayBeFramedOnlyByTheChannelsSite()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync($"/widget/{_key}?origin=https://loja.example");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("frame-ancestors https://loja.example", FrameAncestors(response));
        Assert.False(response.Headers.Contains("X-Frame-Options"));
    }

    [Fact]
    public async Task ChatPage_OfAnUnknownChannel_MayNotBeFramedAtAll()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/widget/does-not-exist?origin=https://loja.example");

        Assert.Equal("frame-ancestors 'none'", FrameAncestors(response));
        Assert.Contains("Este chat não existe.", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ChatPage_FromAnotherSite_SaysItIsNotAllowed()
    {
        using var client = _app.CreateClient();

        var html = await client.GetStringAsync($"/widget/{_key}?origin=https://evil.example");

        Assert.Contains("Este site não está autorizado a usar este chat.", html);
    }

    [Fact]
    public async Task OtherPages_MayBeFramedOnlyByTalkToMe()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/account/login");

        Assert.Equal("frame-ancestors 'self'", FrameAncestors(response));
    }

    [Fact]
    public async Task Config_GivesTheLauncherColour_AndCorsOnlyToTheAllowedSite()
    {
        using var client = _app.CreateClient();
        var allowed = new HttpRequestMessage(HttpMethod.Get, $"/widget/{_key}/config") { Headers = { { "Origin", "https://loja.example" } } };
        var other = new HttpRequestMessage(HttpMethod.Get, $"/widget/{_key}/config") { Headers = { { "Origin", "https://evil.example" } } };

        var allowedResponse = await client.SendAsync(allowed);
        var otherResponse = await client.SendAsync(other);

        Assert.Equal("https://loja.example", allowedResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var config = await allowedResponse.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("#ff5722", config!["color"].ToString());
        Assert.False(otherResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Loader_IsServedAsJavaScript()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/widget.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-channel", body);
        // ASCII only, so even a host page that decodes it as Latin-1 shows the launcher's icon, not "ðŸ'¬".
        Assert.All(body, c => Assert.True(c < 128, $"non-ASCII character U+{(int)c:X4} in widget.js"));
    }

    /// <summary>The frame-ancestors directive of the page's Content-Security-Policy (the rest is SecurityHeaders' business).</summary>
    private static string FrameAncestors(HttpResponseMessage response) =>
        response.Headers.GetValues("Content-Security-Policy").Single().Split(';').Select(d => d.Trim())
            .Single(d => d.StartsWith("frame-ancestors ", StringComparison.Ordinal));
}
