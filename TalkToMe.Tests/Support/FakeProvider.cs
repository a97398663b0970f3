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
    string? ContentType, DateTime ReceivedAt)
{
    /// <summary>The body's bytes as sent (a multipart upload's file is not text: <see cref="Body"/> would mangle it).</summary>
    public byte[] BodyBytes { get; init; } = [];
}

/// <summary>What the fake answers.</summary>
public sealed record FakeReply(int Status, string Body, string ContentType = "application/json")
{
    /// <summary>A file's bytes (a provider's media download), sent instead of <see cref="Body"/>.</summary>
    public byte[]? Bytes { get; init; }

    public static FakeReply File(byte[] bytes, string contentType) => new(200, "", contentType) { Bytes = bytes };
}

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
    private readonly List<(Func<RecordedRequest, bool> Match, Func<RecordedRequest, FakeReply> Reply)> _routes = [];
    private readonly List<RecordedRequest> _routed = [];
    private readonly SemaphoreSlim _routedArrived = new(0);

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

    /// <summary>
    /// Answers the requests <paramref name="match"/> picks (a provider's other endpoint: profile lookups…) apart from the send
    /// queue: they never take a queued reply and are kept in <see cref="RoutedRequests"/>, not <see cref="Requests"/>. The latest
    /// matching route answers.
    /// </summary>
    public void Route(Func<RecordedRequest, bool> match, Func<RecordedRequest, FakeReply> reply)
    {
        lock (_routes)
        {
            _routes.Add((match, reply));
        }
    }

    public IReadOnlyList<RecordedRequest> RoutedRequests
    {
        get
        {
            lock (_routed)
            {
                return _routed.ToList();
            }
        }
    }

    /// <summary>Waits until a routed request satisfies <paramref name="match"/> (fails the test after the timeout).</summary>
    public async Task<RecordedRequest> WaitForRoutedRequestAsync(Func<RecordedRequest, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (RoutedRequests.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _routedArrived.WaitAsync(left))
            {
                Assert.Fail($"Expected a matching routed request at the fake provider, got {RoutedRequests.Count} routed requests.");
            }
        }
    }

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
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var request = new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body,
            context.Request.ContentType, DateTime.UtcNow) { BodyBytes = bytes };
        Func<RecordedRequest, FakeReply>? route;
        lock (_routes)
        {
            route = _routes.LastOrDefault(r => r.Match(request)).Reply;
        }

        if (route is not null)
        {
            // Recorded on arrival: a route may hold its answer (a slow provider) while the test looks.
            lock (_routed)
            {
                _routed.Add(request);
            }

            _routedArrived.Release();
            await WriteAsync(context, route(request));
            return;
        }

        var reply = _queued.TryDequeue(out var next) ? next(request) : DefaultReply(request);
        lock (_requests)
        {
            _requests.Add(request);
        }

        await WriteAsync(context, reply);
        _arrived.Release();
    }

    private static async Task WriteAsync(HttpContext context, FakeReply reply)
    {
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        if (reply.Bytes is { } bytes)
        {
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes);
            return;
        }

        await context.Response.WriteAsync(reply.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
