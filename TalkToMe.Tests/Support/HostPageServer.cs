using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Tests.Support;

/// <summary>Somebody else's web site on another loopback port: serves one HTML page the test writes (e.g. with the widget's script tag).</summary>
public sealed class HostPageServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostPageServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    /// <summary>The page served at "/"; set it before the browser asks.</summary>
    public string Html { get; set; } = "<!DOCTYPE html><html><body><h1>Loja</h1></body></html>";

    public static async Task<HostPageServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        HostPageServer? server = null;
        app.MapGet("/", () => Results.Content(server!.Html, "text/html; charset=utf-8"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new HostPageServer(app, address.TrimEnd('/'));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
