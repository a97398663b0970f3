using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;

namespace TalkToMe.Benchmarks;

/// <summary>
/// Customers sending large files, for the media figures (issue 14 item 7): a Telegram channel whose bot API is a file server
/// on loopback (in this process, writing from one reused buffer), and webhook updates that each carry one document. The media
/// downloader fetches every file with getFile and the file download, as from Telegram. Shared by the <c>media</c> benchmark
/// (memory) and the browser benchmark's <c>push uploads</c> mode (push latency while the files stream in).
/// </summary>
public sealed class TelegramFiles : IAsyncDisposable
{
    private const string Token = "bench:media-token";
    private const string Secret = "bench-media-secret";

    private readonly WebApplication _server;

    private TelegramFiles(WebApplication server) =>
        (_server, Url) = (server, server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public string Url { get; }

    /// <summary>
    /// Starts the file server: getFile answers a path, and the path streams <paramref name="size"/> bytes (distinct per file),
    /// at most <paramref name="bytesPerSecond"/> per file when given (a customer's upload link), else as fast as loopback goes.
    /// A file id "warmup" is 1 KB.
    /// </summary>
    public static async Task<TelegramFiles> StartAsync(long size, double? bytesPerSecond = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet($"/bot{Token}/getFile", (string file_id) =>
            Results.Json(new { ok = true, result = new { file_id, file_path = $"documents/{file_id}" } }));
        app.MapGet($"/file/bot{Token}/documents/{{id}}", async (string id, HttpContext context) =>
        {
            var length = id == "warmup" ? 1024 : size;
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = length;
            var buffer = new byte[64 * 1024];
            // Each file differs (its id in the first bytes), so the content-addressed store keeps every one.
            Encoding.ASCII.GetBytes(id.PadRight(16)).CopyTo(buffer, 0);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (long sent = 0; sent < length;)
            {
                var chunk = (int)Math.Min(buffer.Length, length - sent);
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, chunk));
                sent += chunk;
                buffer[16] = (byte)(sent / buffer.Length);
                if (bytesPerSecond is { } rate && TimeSpan.FromSeconds(sent / rate) - clock.Elapsed is { Ticks: > 0 } ahead)
                {
                    await Task.Delay(ahead);
                }
            }
        });
        await app.StartAsync();
        return new TelegramFiles(app);
    }

    /// <summary>A Telegram channel in the app whose bot API is this server.</summary>
    public async Task<Channel> AddChannelAsync(IDbContextFactory<TalkToMeDbContext> factory)
    {
        await using var db = await factory.CreateDbContextAsync();
        var channel = new Channel("Bench Telegram", ChannelType.Telegram, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(new TelegramSettings { BotToken = Token, WebhookSecretToken = Secret, ApiBaseUrl = Url });
        channel.SetSwitches(true, allowsActiveContact: false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    /// <summary>Posts the channel's webhook an update from customer <paramref name="i"/> carrying document <paramref name="fileId"/>.</summary>
    public static async Task PostDocumentAsync(HttpClient client, Channel channel, int i, string fileId)
    {
        var body = JsonSerializer.Serialize(new
        {
            update_id = 10_000 + i,
            message = new
            {
                message_id = i,
                from = new { id = 900 + i, first_name = $"Cliente {i}" },
                chat = new { id = 900 + i, type = "private" },
                date = 1_790_000_000,
                document = new { file_id = fileId, file_unique_id = fileId, file_name = $"{fileId}.bin", mime_type = "application/octet-stream" },
            },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"webhooks/telegram/{channel.PublicKey}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(TelegramUpdate.SecretHeader, Secret);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Waits until the channel has <paramref name="count"/> attachments, all stored; throws on a failed download.</summary>
    public static async Task WaitReadyAsync(IDbContextFactory<TalkToMeDbContext> factory, int channelId, int count)
    {
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync();
            var states = await db.Attachments.Where(a => a.ChannelId == channelId).Select(a => new { a.State, a.FailureReason }).ToListAsync();
            if (states.FirstOrDefault(s => s.State == MediaState.Failed) is { } failed)
            {
                throw new InvalidOperationException($"A download failed: {failed.FailureReason}");
            }

            if (states.Count >= count && states.All(s => s.State == MediaState.Ready))
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Whether every stored file but the warm-up has <paramref name="size"/> bytes.</summary>
    public static async Task<bool> AllSizesMatchAsync(IDbContextFactory<TalkToMeDbContext> factory, int channelId, long size)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Attachments.Where(a => a.ChannelId == channelId && a.FileName != "warmup.bin").AllAsync(a => a.Size == size);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
    }
}
