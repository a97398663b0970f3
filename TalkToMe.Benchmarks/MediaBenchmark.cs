using System.Diagnostics;
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
/// Issue 14 item 7: while large files stream in, the server's managed memory must stay flat. Customers send <c>files</c>
/// Telegram documents of <c>megabytes</c> MB each at once; a file server on loopback (in this process, writing from one reused
/// buffer) plays Telegram's getFile and file download. Live managed memory (after a full collection) is sampled every
/// 100 ms while the media downloader fetches them into the store; the figure is its peak over the baseline taken just before.
/// </summary>
public static class MediaBenchmark
{
    private const string Token = "bench:media-token";
    private const string Secret = "bench-media-secret";

    public static async Task<int> RunAsync(int files, int megabytes)
    {
        var path = Stats.TempDatabase("media");
        var media = Directory.CreateTempSubdirectory("talktome-bench-media-").FullName;
        await using var fileServer = await StartFileServerAsync(megabytes * 1024L * 1024);
        var app = IngestBenchmark.BuildApp([$"--ConnectionStrings:TalkToMe=Data Source={path}", $"--TalkToMe:Storage:Folder={media}",
            "--TalkToMe:Storage:DownloadTimeout=00:10:00"]);
        try
        {
            await app.StartAsync();
            var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var factory = app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
            Channel channel;
            await using (var db = await factory.CreateDbContextAsync())
            {
                channel = new Channel("Bench Telegram", ChannelType.Telegram, Secrets.NewKey(), DateTime.UtcNow);
                channel.SetSettings(new TelegramSettings { BotToken = Token, WebhookSecretToken = Secret, ApiBaseUrl = fileServer.Url });
                channel.SetSwitches(true, allowsActiveContact: false);
                db.Channels.Add(channel);
                await db.SaveChangesAsync();
            }

            using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
            // Warm up: one small file, so the JIT and the pools are not counted as growth.
            await PostAsync(client, channel, 0, "warmup");
            await WaitReadyAsync(factory, channel.Id, 1);

            var baseline = LiveBytes();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var peak = baseline;
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    peak = Math.Max(peak, LiveBytes());
                    await Task.Delay(100);
                }
            });

            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(1, files).Select(i => PostAsync(client, channel, i, $"big-{i}")));
            var accepted = clock.Elapsed;
            await WaitReadyAsync(factory, channel.Id, files + 1);
            var done = clock.Elapsed;
            await stop.CancelAsync();
            await sampler;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var total = (double)files * megabytes;

            Console.WriteLine($"media: {files} Telegram documents of {megabytes} MB each, sent at once; server and file server in one process");
            Console.WriteLine($"  webhooks answered in {accepted.TotalMilliseconds:N0} ms; all {total:N0} MB stored in {done.TotalSeconds:N1} s ({total / done.TotalSeconds:N1} MB/s)");
            Console.WriteLine($"  live managed memory: baseline {Mb(baseline)}, peak {Mb(peak)}, growth {Mb(peak - baseline)} (goal ≤ 5 MB)");
            Console.WriteLine($"  allocated while downloading: {Mb(allocated)} for {total:N0} MB of files ({allocated / (total * 1024 * 1024):P1} of the bytes)");
            Console.WriteLine($"  stored files match their size: {await AllSizesMatchAsync(factory, channel.Id, megabytes * 1024L * 1024)}");
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Stats.Delete(path);
            Directory.Delete(media, recursive: true);
        }
    }

    private static long LiveBytes() => GC.GetTotalMemory(forceFullCollection: true);

    private static string Mb(long bytes) => $"{bytes / 1024.0 / 1024:N1} MB";

    private static async Task PostAsync(HttpClient client, Channel channel, int i, string fileId)
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

    private static async Task WaitReadyAsync(IDbContextFactory<TalkToMeDbContext> factory, int channelId, int count)
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

    private static async Task<bool> AllSizesMatchAsync(IDbContextFactory<TalkToMeDbContext> factory, int channelId, long size)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await db.Attachments.Where(a => a.ChannelId == channelId && a.FileName != "warmup.bin").AllAsync(a => a.Size == size);
    }

    private sealed class FileServer(WebApplication app) : IAsyncDisposable
    {
        public string Url { get; } = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>getFile answers a path; the path streams <paramref name="size"/> bytes (distinct per file) from one buffer.</summary>
    private static async Task<FileServer> StartFileServerAsync(long size)
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
            for (long sent = 0; sent < length;)
            {
                var chunk = (int)Math.Min(buffer.Length, length - sent);
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, chunk));
                sent += chunk;
                buffer[16] = (byte)(sent / buffer.Length);
            }
        });
        await app.StartAsync();
        return new FileServer(app);
    }
}
