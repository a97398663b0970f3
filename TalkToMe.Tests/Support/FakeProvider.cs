using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Tests.Support;

/// <summary>One request the fake provider received, as it came over the wire.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body,
    string? ContentType, DateTime ReceivedAt);

/// <summary>What the fake answers.</summary>
public sealed record FakeReply(int Status, string Body, string ContentType = "application/json");

/// <summary>
/// A provider API on 127.0.0.1 (Telegram, WhatsApp, Twilio…): records every request and answers with the replies a test
/// queued, then with <see cref="DefaultReply"/>. Tests await <see cref="WaitForRequestsAsync"/> instead of sleeping.
/// </summary>
public sealed class FakeProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<RecordedRequest, FakeReply>> _queued = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly SemaphoreSlim _arrived = new(0);

    private FakeProvider(WebApplication app)
    {
        _app = app;
        BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    public string BaseUrl { get; }

    public Func<RecordedRequest, FakeReply> DefaultReply { get; set; } = _ => new FakeReply(500, "{}");

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    public static async Task<FakeProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeProvider? provider = null;
        app.Run(async context => await provider!.HandleAsync(context));
        await app.StartAsync();
        provider = new FakeProvider(app);
        return provider;
    }

    public void Enqueue(FakeReply reply) => _queued.Enqueue(_ => reply);

    public void Enqueue(Func<RecordedRequest, FakeReply> reply) => _queued.Enqueue(reply);

    /// <summary>Waits until at least <paramref name="count"/> requests arrived (fails the test after the timeout).</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Requests.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                Assert.Fail($"Expected {count} requests at the fake provider, got {Requests.Count}.");
            }
        }

        return Requests;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var request = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body,
            context.Request.ContentType, DateTime.UtcNow);
        var reply = _queued.TryDequeue(out var next) ? next(request) : DefaultReply(request);
        lock (_requests)
        {
            _requests.Add(request);
        }

        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        await context.Response.WriteAsync(reply.Body);
        _arrived.Release();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
