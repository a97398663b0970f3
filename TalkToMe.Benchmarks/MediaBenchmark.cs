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
    public static async Task<int> RunAsync(int files, int megabytes)
    {
        var path = Stats.TempDatabase("media");
        var media = Directory.CreateTempSubdirectory("talktome-bench-media-").FullName;
        await using var fileServer = await TelegramFiles.StartAsync(megabytes * 1024L * 1024);
        var app = IngestBenchmark.BuildApp([$"--ConnectionStrings:TalkToMe=Data Source={path}", $"--TalkToMe:Storage:Folder={media}",
            "--TalkToMe:Storage:DownloadTimeout=00:10:00"]);
        try
        {
            await app.StartAsync();
            var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var factory = app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
            var channel = await fileServer.AddChannelAsync(factory);

            using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
            // Warm up: one small file, so the JIT and the pools are not counted as growth.
            await TelegramFiles.PostDocumentAsync(client, channel, 0, "warmup");
            await TelegramFiles.WaitReadyAsync(factory, channel.Id, 1);

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
            await Task.WhenAll(Enumerable.Range(1, files).Select(i => TelegramFiles.PostDocumentAsync(client, channel, i, $"big-{i}")));
            var accepted = clock.Elapsed;
            await TelegramFiles.WaitReadyAsync(factory, channel.Id, files + 1);
            var done = clock.Elapsed;
            await stop.CancelAsync();
            await sampler;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var total = (double)files * megabytes;

            Console.WriteLine($"media: {files} Telegram documents of {megabytes} MB each, sent at once; server and file server in one process");
            Console.WriteLine($"  webhooks answered in {accepted.TotalMilliseconds:N0} ms; all {total:N0} MB stored in {done.TotalSeconds:N1} s ({total / done.TotalSeconds:N1} MB/s)");
            Console.WriteLine($"  live managed memory: baseline {Mb(baseline)}, peak {Mb(peak)}, growth {Mb(peak - baseline)} (goal ≤ 5 MB)");
            Console.WriteLine($"  allocated while downloading: {Mb(allocated)} for {total:N0} MB of files ({allocated / (total * 1024 * 1024):P1} of the bytes)");
            Console.WriteLine($"  stored files match their size: {await TelegramFiles.AllSizesMatchAsync(factory, channel.Id, megabytes * 1024L * 1024)}");
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
}
