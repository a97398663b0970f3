using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// The floor for the push figure, measured in the same run: an empty page that holds a plain WebSocket and puts each
/// message in a 50-row list, fed as soon as the app has acknowledged the POST. Same Chromium, same pages, same
/// MutationObserver; no Blazor, no styles, no app render. What the agent page costs is the difference.
/// </summary>
internal sealed class EmptyPageBaseline : IAsyncDisposable
{
    private const string Page = """
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>baseline</title></head>
        <body><div id="list"></div><div data-interactive="true"></div>
        <script>
          const list = document.getElementById('list');
          const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws');
          ws.onmessage = e => {
            const row = document.createElement('div');
            row.textContent = e.data;
            list.prepend(row);
            if (list.children.length > 50) list.lastElementChild.remove();
          };
        </script></body></html>
        """;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<WebSocket, SemaphoreSlim> _sockets = new();

    private EmptyPageBaseline(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public int Connected => _sockets.Count;

    public static async Task<EmptyPageBaseline> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var baseline = new EmptyPageBaseline(app);
        app.UseWebSockets();
        app.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
        app.Map("/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            baseline._sockets[socket] = new SemaphoreSlim(1);
            var buffer = new byte[256];
            while (socket.State == WebSocketState.Open)
            {
                var read = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }

            baseline._sockets.TryRemove(socket, out _);
        });
        await app.StartAsync();
        baseline.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return baseline;
    }

    public Task BroadcastAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return Task.WhenAll(_sockets.Select(async pair =>
        {
            await pair.Value.WaitAsync();
            try
            {
                await pair.Key.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
            finally
            {
                pair.Value.Release();
            }
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
