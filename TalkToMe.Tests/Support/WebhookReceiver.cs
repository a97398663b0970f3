using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Tests.Support;

/// <summary>
/// A local webhook endpoint on 127.0.0.1 (a tiny Kestrel app) standing in for the external system of an API channel:
/// records every POST and answers with whatever <see cref="Respond"/> decides.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
    }

    public string Url { get; private set; } = "";

    /// <summary>Answer that drops the connection without any HTTP answer, as a receiver that went down does.</summary>
    public const int Drop = -1;

    /// <summary>Decides the answer for the n-th request (1-based); may await (a slow or hanging receiver); <see cref="Drop"/> aborts.</summary>
    public Func<int, ReceivedWebhook, CancellationToken, Task<int>> Respond { get; set; } = (_, _, _) => Task.FromResult(200);

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        var count = 0;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var webhook = new ReceivedWebhook(
                body,
                context.Request.Headers["X-TalkToMe-Signature"].ToString(),
                context.Request.Headers["X-TalkToMe-Timestamp"].ToString(),
                context.Request.Headers["X-TalkToMe-Delivery"].ToString(),
                context.Request.ContentType ?? "");
            receiver._received.Enqueue(webhook);
            receiver._arrived.Release();
            var status = await receiver.Respond(Interlocked.Increment(ref count), webhook, context.RequestAborted);
            if (status == Drop)
            {
                context.Abort();
                return Results.Empty;
            }

            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address.TrimEnd('/') + "/hook";
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived (fails the test after the timeout).</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (_received.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Expected {count} webhook requests, got {_received.Count}.");
            }
        }

        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedWebhook(string Body, string Signature, string Timestamp, string DeliveryId, string ContentType);
