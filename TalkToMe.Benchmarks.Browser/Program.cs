using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Data;
using TalkToMe.Web.Hosting;

// Inbox UI benchmarks (issue 4), results in docs/BENCHMARKS.md "## Inbox UI (issue 4)":
//   push  — inbound API POST → message text in the DOM of N open agent pages (MutationObserver), at R messages/s.
//           "push baseline": the same, on empty WebSocket pages fed after each POST is acknowledged (the floor).
//           "push compare rounds=N": agent and empty pages alternately, N rounds of each, then the medians and their ratio
//           (the floor moves from one run to the next on a shared machine: one pair of runs proves little).
//           "push uploads rounds=N [files=10] [megabytes=20]": agent pages alone and while customers' files stream in,
//           alternately (issue 14 item 7): each loaded run, `files` Telegram documents of `megabytes` MB arrive a second before
//           the measured messages and are downloaded by the media downloader from a loopback file server paced to spread them
//           over the run; medians and their ratio.
//   memory — server memory per connected idle agent page (open N pages, GC, divide the delta).
//   typing — agent A's keystroke in the reply box → "digitando…" in agent B's DOM, against an empty-page WebSocket relay
//           in the same run (issue 15 item 7; see TypingLatency). Not part of "all".
// Usage: dotnet run -c Release --project TalkToMe.Benchmarks.Browser -- [push|memory|typing|all] [baseline|compare|uploads] [rounds=3]
//        [pages=10] [rate=100] [seconds=10] [idle=20] [samples=200] [trace=file.json] [frames]
var mode = args.FirstOrDefault(a => !a.Contains('=')) ?? "all";
int Arg(string name, int fallback) =>
    args.Where(a => a.StartsWith(name + "=", StringComparison.Ordinal)).Select(a => int.Parse(a[(name.Length + 1)..])).DefaultIfEmpty(fallback).First();
var pages = Arg("pages", 10);
var rate = Arg("rate", 100);
var secondsArg = Arg("seconds", 10);
var idlePages = Arg("idle", 20);
// Diagnostics for the memory figure: which page the idle agents sit on, and a census of each circuit's components.
var idlePath = args.Where(a => a.StartsWith("path=", StringComparison.Ordinal)).Select(a => a[5..]).DefaultIfEmpty("/").First();
var census = args.Contains("census");
// push only: the same pages on an empty WebSocket page instead of the inbox (the floor; see EmptyPageBaseline).
var baselineMode = args.Contains("baseline");
var compareMode = args.Contains("compare");
var uploadsMode = args.Contains("uploads");
var rounds = Arg("rounds", 3);
var pushRuns = 0;
long socketBytes = 0, socketFrames = 0;
var countFrames = args.Contains("frames");
// push only: when the server sent each render batch and when the page acknowledged it (RenderBatchLog); read with pages=1.
var batchLog = args.Contains("stages=1") ? new RenderBatchLog() : null;
// push only: write a Chromium trace (first page's renderer and the browser) to this file, for chrome://tracing or Perfetto.
var tracePath = args.Where(a => a.StartsWith("trace=", StringComparison.Ordinal)).Select(a => a[6..]).FirstOrDefault();

const string AdminEmail = "admin@talktome.local";
var databasePath = Path.Combine(Path.GetTempPath(), $"ttm-bench-ui-{Guid.NewGuid():N}.db");
var mediaFolder = Directory.CreateTempSubdirectory("ttm-bench-ui-media-").FullName;
var webDir = FindWebProject();
var app = TalkToMeApp.Build(
[
    "--urls=http://127.0.0.1:0", "--environment=Development", $"--contentRoot={webDir}",
    $"--ConnectionStrings:TalkToMe=Data Source={databasePath}", "--TalkToMe:SeedDemoData=true",
    $"--TalkToMe:Admin:Email={AdminEmail}", $"--TalkToMe:Admin:Password={TalkToMeApp.DevelopmentAdminPassword}",
    "--Logging:LogLevel:Default=Warning", $"--TalkToMe:Storage:Folder={mediaFolder}", "--TalkToMe:Storage:DownloadTimeout=00:10:00",
    // Idle keep-alive HTTP connections (a page loads its assets over several) close after 5 s instead of 130 s, so the
    // memory figure, taken after they closed, is what an idle page costs for the hours it stays open: its circuit.
    "--Kestrel:Limits:KeepAliveTimeout=00:00:05",
], builder =>
{
    if (batchLog is not null)
    {
        builder.Logging.AddProvider(batchLog);
        builder.Logging.AddFilter<RenderBatchLog>(RenderBatchLog.Category, LogLevel.Debug);
    }
});
await app.StartAsync();
var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

// The API channel's token; outgoing messages are not part of this benchmark.
var token = Secrets.NewToken("ttm_ch");
int channelId;
await using (var db = await app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
{
    var channel = await db.Channels.SingleAsync(c => c.Name == "API Loja");
    channel.SetApiTokenHash(Secrets.Hash(token));
    await db.SaveChangesAsync();
    channelId = channel.Id;
}

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = Environment.GetEnvironmentVariable("TALKTOME_CHROMIUM") ?? "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"],
});

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
if (mode is "push" or "all")
{
    if (compareMode)
    {
        await CompareAsync();
    }
    else if (uploadsMode)
    {
        await UploadsCompareAsync();
    }
    else
    {
        await PushLatencyAsync(baselineMode);
    }
}

if (mode is "memory" or "all")
{
    await MemoryPerPageAsync();
}

if (mode is "typing")
{
    await TypingLatency.RunAsync(app, browser, baseUrl, AdminEmail, TalkToMeApp.DevelopmentAdminPassword, Arg("samples", 200));
}

await app.StopAsync();
await app.DisposeAsync();
Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
foreach (var suffix in new[] { "", "-wal", "-shm" })
{
    File.Delete(databasePath + suffix);
}

Directory.Delete(mediaFolder, recursive: true);

return;

async Task<IPage> OpenAgentPageAsync(string path = "/")
{
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, Locale = "pt-BR" });
    context.SetDefaultTimeout(60_000);
    var page = await context.NewPageAsync();
    if (countFrames)
    {
        // What the server sends each page over its WebSocket (render batches, interop calls). Opt-in: Playwright relays
        // every frame to this process, which costs CPU the other figures would include.
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
        {
            Interlocked.Add(ref socketBytes, frame.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? ""));
            Interlocked.Increment(ref socketFrames);
        };
    }

    // When each render batch reaches the page's script (its WebSocket message event starts on the main thread, after
    // whatever the page was busy with): the stage between the server handing over the rows and the DOM, split in two.
    await page.AddInitScriptAsync("""
        (() => {
            const Native = window.WebSocket;
            const decoder = new TextDecoder('latin1');
            window.__arrived = {};
            window.WebSocket = class extends Native {
                constructor(...args) {
                    super(...args);
                    this.addEventListener('message', e => {
                        const pattern = window.__arrivalPattern;
                        if (!pattern) return;
                        const now = performance.timeOrigin + performance.now();
                        const text = typeof e.data === 'string' ? e.data : decoder.decode(e.data);
                        for (const m of text.matchAll(pattern)) { if (!(m[1] in window.__arrived)) window.__arrived[m[1]] = now; }
                    });
                }
            };
        })();
        """);
    await page.GotoAsync("/account/login");
    await page.GetByLabel("E-mail").FillAsync(AdminEmail);
    await page.GetByLabel("Senha").FillAsync(TalkToMeApp.DevelopmentAdminPassword);
    await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
    await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
    if (path != "/")
    {
        await page.GotoAsync(path);
    }

    await page.Locator("[data-interactive=true]").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
    return page;
}

async Task<IPage> OpenBaselinePageAsync(string url)
{
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "pt-BR" });
    var page = await context.NewPageAsync();
    await page.GotoAsync(url);
    await page.WaitForFunctionAsync("() => document.readyState === 'complete'");
    await Task.Delay(200);
    return page;
}

async Task CompareAsync()
{
    var agent = new List<(double P50, double P99)>();
    var floor = new List<(double P50, double P99)>();
    // The first runs pay for the JIT tiering up the whole push path (server CPU per message twice the later runs', the commit
    // alone 23–27 ms at the median instead of 5): warm-up runs of both kinds, not counted, until a pair of them compiles
    // fewer than 1,000 new methods (a server that has been up a while runs optimised code; the search benchmark does the
    // same). Measured: the first pair compiles about 23,000, the third about 1,000, and from then on each pair keeps compiling
    // 500–800 (new pages, new contexts) while the figures stay where the third pair left them.
    var warmups = 0;
    long compiled, fresh;
    do
    {
        compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        Console.WriteLine($"== warm-up pair {++warmups}, not counted");
        await PushLatencyAsync(baselineMode: false, runSeconds: 5);
        await PushLatencyAsync(baselineMode: true, runSeconds: 5);
        fresh = System.Runtime.JitInfo.GetCompiledMethodCount() - compiled;
        Console.WriteLine($"warm-up pair {warmups} compiled {fresh:N0} methods");
    }
    while (fresh >= 1_000 && warmups < 6);
    for (var round = 1; round <= rounds; round++)
    {
        Console.WriteLine($"== round {round} of {rounds}");
        // Which goes first alternates: on this machine the first run after a pause was often the slower one.
        if (round % 2 == 1)
        {
            agent.Add(await PushLatencyAsync(baselineMode: false));
            floor.Add(await PushLatencyAsync(baselineMode: true));
        }
        else
        {
            floor.Add(await PushLatencyAsync(baselineMode: true));
            agent.Add(await PushLatencyAsync(baselineMode: false));
        }
    }

    var (agent50, agent99) = (Median(agent.Select(r => r.P50)), Median(agent.Select(r => r.P99)));
    var (floor50, floor99) = (Median(floor.Select(r => r.P50)), Median(floor.Select(r => r.P99)));
    Console.WriteLine("compare, each round (agent p50/p99 | floor p50/p99, ms): " + string.Join("; ",
        agent.Zip(floor, (a, f) => $"{a.P50:0}/{a.P99:0} | {f.P50:0}/{f.P99:0}")));
    Console.WriteLine($"compare medians over {rounds} rounds: agent p50 {agent50:0.0} p99 {agent99:0.0}; floor p50 {floor50:0.0} p99 {floor99:0.0}; " +
        $"ratio p50 {agent50 / floor50:0.0}x p99 {agent99 / floor99:0.0}x");
}

async Task UploadsCompareAsync()
{
    var files = Arg("files", 10);
    var size = Arg("megabytes", 20) * 1024L * 1024;
    var factory = app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
    // The downloader fetches one file at a time: paced so the run's files take about the run's length, one after another.
    await using var server = await TalkToMe.Benchmarks.TelegramFiles.StartAsync(size, bytesPerSecond: files * size / (double)secondsArg);
    var channel = await server.AddChannelAsync(factory);
    using var client = new HttpClient { BaseAddress = new Uri(baseUrl + "/") };
    await TalkToMe.Benchmarks.TelegramFiles.PostDocumentAsync(client, channel, 0, "warmup");
    await TalkToMe.Benchmarks.TelegramFiles.WaitReadyAsync(factory, channel.Id, 1);
    var stored = 1;

    Console.WriteLine("== warm-up run, not counted");
    await PushLatencyAsync(baselineMode: false, runSeconds: 5);
    var quiet = new List<(double P50, double P99)>();
    var loaded = new List<(double P50, double P99)>();
    for (var round = 1; round <= rounds; round++)
    {
        Console.WriteLine($"== round {round} of {rounds}: without files, then while {files} files of {size / 1024 / 1024} MB stream in");
        quiet.Add(await PushLatencyAsync(baselineMode: false));
        var batch = round;
        var sent = new Stopwatch();
        loaded.Add(await PushLatencyAsync(baselineMode: false, alongside: () =>
        {
            sent.Start();
            return Task.WhenAll(Enumerable.Range(1, files)
                .Select(i => TalkToMe.Benchmarks.TelegramFiles.PostDocumentAsync(client, channel, batch * 1000 + i, $"r{batch}-{i}")));
        }));
        stored += files;
        await TalkToMe.Benchmarks.TelegramFiles.WaitReadyAsync(factory, channel.Id, stored);
        Console.WriteLine($"uploads: all {files} files stored {sent.Elapsed.TotalSeconds:0.0} s after they were sent (the messages flowed for {secondsArg} s)");
    }

    var (quiet50, quiet99) = (Median(quiet.Select(r => r.P50)), Median(quiet.Select(r => r.P99)));
    var (loaded50, loaded99) = (Median(loaded.Select(r => r.P50)), Median(loaded.Select(r => r.P99)));
    Console.WriteLine("uploads, each round (alone p50/p99 | with files p50/p99, ms): " + string.Join("; ",
        quiet.Zip(loaded, (q, l) => $"{q.P50:0}/{q.P99:0} | {l.P50:0}/{l.P99:0}")));
    Console.WriteLine($"uploads medians over {rounds} rounds: alone p50 {quiet50:0.0} p99 {quiet99:0.0}; with files p50 {loaded50:0.0} p99 {loaded99:0.0}; " +
        $"ratio p50 {loaded50 / quiet50:0.00}x p99 {loaded99 / quiet99:0.00}x (goal ≤ 1.5x)");
    Console.WriteLine($"uploads: every stored file has its {size / 1024 / 1024} MB: {await TalkToMe.Benchmarks.TelegramFiles.AllSizesMatchAsync(factory, channel.Id, size)}");
}

async Task<(double P50, double P99)> PushLatencyAsync(bool baselineMode, int? runSeconds = null, Func<Task>? alongside = null)
{
    var seconds = runSeconds ?? secondsArg;
    // Each run has its own marker: rows left over from an earlier run move when new messages arrive, and their old
    // markers must not count as seen.
    var marker = $"bench{++pushRuns}x";
    Console.WriteLine($"push: {pages} {(baselineMode ? "empty baseline" : "agent")} pages, {rate} messages/s for {seconds} s");
    await using var baseline = baselineMode ? await EmptyPageBaseline.StartAsync() : null;
    var open = new List<IPage>();
    for (var i = 0; i < pages; i++)
    {
        var page = baseline is null ? await OpenAgentPageAsync() : await OpenBaselinePageAsync(baseline.Url);
        // Records the wall-clock time (epoch ms, sub-ms) the first time each of this run's markers appears in the DOM.
        await page.EvaluateAsync("""
            marker => {
                window.__seen = {};
                window.__arrived = {};
                window.__arrivalPattern = new RegExp(marker + '(\\d+)\\b', 'g');
                const pattern = new RegExp(marker + '(\\d+)\\b', 'g');
                const scan = text => {
                    if (!text) return;
                    const now = performance.timeOrigin + performance.now();
                    for (const m of text.matchAll(pattern)) { if (!(m[1] in window.__seen)) window.__seen[m[1]] = now; }
                };
                new MutationObserver(records => {
                    for (const r of records) {
                        if (r.type === 'characterData') scan(r.target.data);
                        for (const n of r.addedNodes) scan(n.textContent);
                    }
                }).observe(document.body, { subtree: true, childList: true, characterData: true });
            }
            """, marker);
        open.Add(page);
    }

    // Connections idle for 2 s are dropped by the client first: the server closes them at 5 s (KeepAliveTimeout above),
    // and a request sent on one it is closing ends with "the response ended prematurely".
    using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2) })
    {
        BaseAddress = new Uri(baseUrl + "/"),
    };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    // Warm-up: JIT, connection pool, first conversations.
    for (var i = 0; i < 20; i++)
    {
        await PostAsync(client, $"warm-{i % 5}", $"warm-up {i}");
    }

    var total = rate * seconds;
    batchLog?.Clear();
    var sentAt = new double[total];
    // Where the time goes before the DOM (stage medians): the POST answered (message committed), and the shared inbox feed
    // handing the changed rows to every open page (it read them once from the database).
    var ackedAt = new double[total];
    var rowsAt = new double[total];
    var markerPattern = new System.Text.RegularExpressions.Regex(marker + @"(\d+)\b");
    using var feedWatch = app.Services.GetRequiredService<TalkToMe.Core.Conversations.InboxFeed>().Subscribe(changes =>
    {
        var now = UnixMs();
        foreach (var change in changes)
        {
            if (change.Row?.LastMessagePreview is { } preview && markerPattern.Match(preview) is { Success: true } m
                && int.TryParse(m.Groups[1].Value, out var i) && i < total && rowsAt[i] == 0)
            {
                rowsAt[i] = now;
            }
        }
    });
    // CPU seconds spent while the messages flow: this process (server + HttpClient + Playwright's .NET side) and its child
    // processes (Playwright's driver and Chromium). Per message, it compares runs on a machine shared with other work.
    // Where the first page's renderer spends its time (Chromium's own counters, seconds): script, style, layout, all tasks.
    var cdp = open.Count > 0 ? await open[0].Context.NewCDPSessionAsync(open[0]) : null;
    if (cdp is not null)
    {
        await cdp.SendAsync("Performance.enable");
    }

    var metrics0 = await RendererMetricsAsync(cdp);
    var traceEvents = new List<System.Text.Json.JsonElement>();
    var traceDone = new TaskCompletionSource();
    if (tracePath is not null && cdp is not null)
    {
        cdp.Event("Tracing.dataCollected").OnEvent += (_, e) =>
        {
            lock (traceEvents)
            {
                traceEvents.AddRange(e!.Value.GetProperty("value").EnumerateArray().Select(x => x.Clone()));
            }
        };
        cdp.Event("Tracing.tracingComplete").OnEvent += (_, _) => traceDone.TrySetResult();
        await cdp.SendAsync("Tracing.start", new Dictionary<string, object>
        {
            ["categories"] = "devtools.timeline,disabled-by-default-devtools.timeline,disabled-by-default-devtools.timeline.invalidationTracking",
            ["transferMode"] = "ReportEvents",
        });
    }

    var (bytes0, frames0) = (Interlocked.Read(ref socketBytes), Interlocked.Read(ref socketFrames));
    var (serverCpu0, browserCpu0) = CpuSeconds();
    var byType0 = CpuByType();
    var tasks = new List<Task>(total);
    // The server's thread pool while messages flow: work items waiting for a thread are time no stage shows.
    var poolSamples = new List<(int Threads, long Pending)>();
    using var poolTimer = new Timer(_ => { lock (poolSamples) { poolSamples.Add((ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount)); } }, null, 0, 50);
    // What else the server does while the messages flow (push uploads: the customers' file messages arrive, and their files
    // start streaming in a second before the measured messages, so the figure is the streaming's, not the ten arrivals').
    if (alongside is not null)
    {
        await alongside();
        await Task.Delay(1000);
    }

    var clock = Stopwatch.StartNew();
    for (var i = 0; i < total; i++)
    {
        var due = TimeSpan.FromSeconds((double)i / rate);
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var n = i;
        sentAt[n] = UnixMs();
        // 200 customers, so conversations keep moving to the top of the list.
        var post = PostAsync(client, $"bench-contact-{n % 200}", $"{marker}{n} pedido")
            .ContinueWith(t => { ackedAt[n] = UnixMs(); t.GetAwaiter().GetResult(); }, TaskScheduler.Default);
        tasks.Add(baseline is null ? post : post.ContinueWith(_ => baseline.BroadcastAsync($"{marker}{n} pedido"), TaskScheduler.Default).Unwrap());
    }

    await Task.WhenAll(tasks);
    lock (poolSamples)
    {
        Console.WriteLine($"push thread pool: threads max {poolSamples.Max(p => p.Threads)}, pending p50 {poolSamples.Select(p => p.Pending).Order().ElementAt(poolSamples.Count / 2)} max {poolSamples.Max(p => p.Pending)}");
    }

    var achieved = total / clock.Elapsed.TotalSeconds;
    await Task.Delay(3000);
    var (serverCpu1, browserCpu1) = CpuSeconds();
    var byType1 = CpuByType();
    Console.WriteLine("push CPU per message by process type (ms): " + string.Join(", ", byType1.Select(p => $"{p.Key} {(p.Value - byType0.GetValueOrDefault(p.Key)) * 1000 / total:0.00}")));
    var metrics1 = await RendererMetricsAsync(cdp);
    if (tracePath is not null && cdp is not null)
    {
        await cdp.SendAsync("Tracing.end");
        await traceDone.Task;
        await File.WriteAllTextAsync(tracePath, System.Text.Json.JsonSerializer.Serialize(traceEvents));
    }

    var latencies = new List<double>();
    var missing = 0;
    var seenByPage = new List<Dictionary<string, double>>();
    var arrivedByPage = new List<Dictionary<string, double>>();
    foreach (var page in open)
    {
        var seen = await page.EvaluateAsync<Dictionary<string, double>>("() => window.__seen");
        seenByPage.Add(seen);
        arrivedByPage.Add(await page.EvaluateAsync<Dictionary<string, double>>("() => window.__arrived || {}"));
        for (var i = 0; i < total; i++)
        {
            if (seen.TryGetValue(i.ToString(System.Globalization.CultureInfo.InvariantCulture), out var at))
            {
                latencies.Add(at - sentAt[i]);
            }
            else
            {
                missing++;
            }
        }
    }

    latencies.Sort();
    Console.WriteLine($"push: sent {total} at {achieved:0} msg/s; samples {latencies.Count}, not seen {missing}");
    if (countFrames)
    {
        Console.WriteLine($"push WebSocket per message and page: {(Interlocked.Read(ref socketBytes) - bytes0) / (double)total / open.Count:0} bytes in " +
            $"{(Interlocked.Read(ref socketFrames) - frames0) / (double)total / open.Count:0.00} frames");
    }

    Console.WriteLine($"push CPU per message: server process {(serverCpu1 - serverCpu0) * 1000 / total:0.00} ms, browsers {(browserCpu1 - browserCpu0) * 1000 / total:0.00} ms");
    if (cdp is not null)
    {
        Console.WriteLine("push, first page's renderer per message (ms): " + string.Join(", ",
            metrics1.Select(m => $"{m.Key} {(m.Value - metrics0.GetValueOrDefault(m.Key)) * 1000 / total:0.00}")));
    }

    if (baseline is null)
    {
        var firstSeen = new double[total];
        foreach (var seen in seenByPage)
        {
            foreach (var (key, at) in seen)
            {
                var i = int.Parse(key, System.Globalization.CultureInfo.InvariantCulture);
                if (i < total && (firstSeen[i] == 0 || at < firstSeen[i]))
                {
                    firstSeen[i] = at;
                }
            }
        }

        List<double> Stage(Func<int, double> from, Func<int, double> to) =>
            Enumerable.Range(0, total).Where(i => from(i) > 0 && to(i) > 0).Select(i => to(i) - from(i)).Order().ToList();
        var commit = Stage(i => sentAt[i], i => ackedAt[i]);
        var feed = Stage(i => ackedAt[i], i => rowsAt[i]);
        var first = Stage(i => rowsAt[i], i => firstSeen[i]);
        var all = Stage(i => rowsAt[i], i => lastSeen(i));
        double lastSeen(int i) => seenByPage.Select(p => p.TryGetValue(i.ToString(System.Globalization.CultureInfo.InvariantCulture), out var at) ? at : 0).DefaultIfEmpty(0).Max();
        // The first page alone: rows handed over → its batch at the page's script → its DOM.
        double At(Dictionary<string, double> times, int i) =>
            times.TryGetValue(i.ToString(System.Globalization.CultureInfo.InvariantCulture), out var at) ? at : 0;
        var toPage = Stage(i => rowsAt[i], i => At(arrivedByPage[0], i));
        var toDom = Stage(i => At(arrivedByPage[0], i), i => At(seenByPage[0], i));
        Console.WriteLine($"push first page, medians / p99 (ms): rows → batch at the page's script {Percentile(toPage, 50):0.0} / " +
            $"{Percentile(toPage, 99):0.0} (server render, WebSocket, and the page's queue); batch → DOM {Percentile(toDom, 50):0.0} / " +
            $"{Percentile(toDom, 99):0.0} ({toPage.Count} and {toDom.Count} samples)");
        if (batchLog is not null && open.Count == 1)
        {
            // The batch that carried message i: the last one sent before it reached the page's script.
            var sent = batchLog.Sent.OrderBy(b => b.At).ToList();
            var acknowledged = batchLog.Acknowledged.GroupBy(b => b.BatchId).ToDictionary(g => g.Key, g => g.Min(b => b.At));
            (long BatchId, double At) Carrier(int i) =>
                At(arrivedByPage[0], i) is var arrived and > 0 ? sent.LastOrDefault(b => b.At <= arrived) : default;
            var toSent = Stage(i => rowsAt[i], i => Carrier(i).At);
            var sentToPage = Stage(i => Carrier(i).At, i => At(arrivedByPage[0], i));
            var domToAck = Stage(i => At(seenByPage[0], i), i => acknowledged.GetValueOrDefault(Carrier(i).BatchId));
            var sentToAck = Stage(i => Carrier(i).At, i => acknowledged.GetValueOrDefault(Carrier(i).BatchId));
            string Both(List<double> stage) => $"{Percentile(stage, 50):0.0} / {Percentile(stage, 99):0.0}";
            Console.WriteLine($"push first page's batches, medians / p99 (ms): rows → batch sent {Both(toSent)} (the list's apply and " +
                $"render, the batch written); batch sent → at the page's script {Both(sentToPage)}; at the script → DOM {Both(toDom)}; " +
                $"DOM → batch acknowledged {Both(domToAck)}; sent → acknowledged {Both(sentToAck)} ({sent.Count} batches sent, " +
                $"{acknowledged.Count} acknowledged, {toSent.Count} messages matched)");
        }

        Console.WriteLine($"push stages, medians (ms): POST → committed {Percentile(commit, 50):0.0}; committed → rows handed to pages " +
            $"{Percentile(feed, 50):0.0}; rows → DOM of the first page {Percentile(first, 50):0.0}, of the last page {Percentile(all, 50):0.0}");
        Console.WriteLine($"push stages, p99 (ms): POST → committed {Percentile(commit, 99):0.0}; committed → rows handed to pages " +
            $"{Percentile(feed, 99):0.0}; rows → DOM of the first page {Percentile(first, 99):0.0}, of the last page {Percentile(all, 99):0.0}");
    }

    Console.WriteLine($"push latency ms: p50 {Percentile(latencies, 50):0.0}  p90 {Percentile(latencies, 90):0.0}  p99 {Percentile(latencies, 99):0.0}  max {latencies.LastOrDefault():0.0}");
    foreach (var page in open)
    {
        await page.Context.CloseAsync();
    }

    return (Percentile(latencies, 50), Percentile(latencies, 99));
}

async Task MemoryPerPageAsync()
{
    // Warm-up page so the first circuit's one-off costs (JIT, caches) are not counted per page.
    var warm = await OpenAgentPageAsync();
    await warm.Context.CloseAsync();
    var before = Measure();
    var open = new List<IPage>();
    for (var i = 0; i < idlePages; i++)
    {
        open.Add(await OpenAgentPageAsync(idlePath));
    }

    await Task.Delay(TimeSpan.FromSeconds(8));
    var after = Measure();
    if (census)
    {
        ComponentCensus();
    }

    var managed = (after.Managed - before.Managed) / (double)idlePages / 1024;
    var workingSet = (after.WorkingSet - before.WorkingSet) / (double)idlePages / 1024;
    Console.WriteLine($"memory: {idlePages} idle agent pages on {idlePath}; per page managed {managed:0} KB, working set {workingSet:0} KB");
    // "hold=N": keep the pages open N more seconds, e.g. to take `dotnet-gcdump collect -p <pid>` of this process.
    if (Arg("hold", 0) is > 0 and var hold)
    {
        Console.WriteLine($"holding {hold} s; pid {Environment.ProcessId}");
        await Task.Delay(TimeSpan.FromSeconds(hold));
    }

    foreach (var page in open)
    {
        await page.Context.CloseAsync();
    }
}

// Benchmark-only reflection into Blazor's internals: how many components of which type each live circuit holds.
void ComponentCensus()
{
    var registryType = typeof(Microsoft.AspNetCore.Components.Server.CircuitOptions).Assembly
        .GetType("Microsoft.AspNetCore.Components.Server.Circuits.CircuitRegistry")!;
    var registry = app.Services.GetRequiredService(registryType);
    const System.Reflection.BindingFlags Any = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public
        | System.Reflection.BindingFlags.NonPublic;
    var circuits = (System.Collections.IEnumerable)registryType.GetProperty("ConnectedCircuits", Any)!.GetValue(registry)!;
    var byType = new Dictionary<string, int>();
    var count = 0;
    foreach (var entry in circuits)
    {
        var host = entry.GetType().GetProperty("Value")!.GetValue(entry)!;
        var renderer = host.GetType().GetProperty("Renderer", Any)!.GetValue(host)!;
        var field = typeof(Microsoft.AspNetCore.Components.RenderTree.Renderer).GetField("_componentStateById", Any)!;
        var states = (System.Collections.IDictionary)field.GetValue(renderer)!;
        count++;
        foreach (var state in states.Values)
        {
            var component = state!.GetType().GetProperty("Component", Any)!.GetValue(state)!;
            var name = component.GetType().Name;
            byType[name] = byType.GetValueOrDefault(name) + 1;
        }
    }

    Console.WriteLine($"census: {count} connected circuits, {byType.Values.Sum() / Math.Max(count, 1)} components each");
    foreach (var (name, n) in byType.OrderByDescending(p => p.Value))
    {
        Console.WriteLine($"  {n / Math.Max(count, 1),5}  {name}");
    }
}

static async Task<Dictionary<string, double>> RendererMetricsAsync(ICDPSession? cdp)
{
    var wanted = new[] { "ScriptDuration", "RecalcStyleDuration", "LayoutDuration", "TaskDuration" };
    var result = new Dictionary<string, double>();
    if (cdp is null)
    {
        return result;
    }

    var answer = await cdp.SendAsync("Performance.getMetrics");
    foreach (var metric in answer!.Value.GetProperty("metrics").EnumerateArray())
    {
        var name = metric.GetProperty("name").GetString()!;
        if (wanted.Contains(name))
        {
            result[name] = metric.GetProperty("value").GetDouble();
        }
    }

    return result;
}

// utime + stime of this process, and of all its descendants (read from /proc; Linux only).
static (double Self, double Children) CpuSeconds()
{
    var self = Environment.ProcessId;
    var processes = Processes().ToDictionary(p => p.Pid);

    bool Descends(int pid)
    {
        for (var p = processes.GetValueOrDefault(pid).Parent; p > 1; p = processes.GetValueOrDefault(p).Parent)
        {
            if (p == self)
            {
                return true;
            }
        }

        return false;
    }

    var children = processes.Values.Where(p => Descends(p.Pid)).Sum(p => p.CpuSeconds);
    return (processes.GetValueOrDefault(self).CpuSeconds, children);
}

// CPU seconds of Chromium's processes by kind (renderer, GPU, browser, network…) and of Playwright's driver.
static Dictionary<string, double> CpuByType()
{
    var result = new Dictionary<string, double>();
    foreach (var process in Processes())
    {
        var cmd = process.CommandLine;
        string type;
        if (cmd.Contains("chromium", StringComparison.Ordinal) || cmd.Contains("chrome", StringComparison.Ordinal))
        {
            var m = System.Text.RegularExpressions.Regex.Match(cmd, "--type=([a-z-]+)");
            type = m.Success ? m.Groups[1].Value : "browser";
            if (type == "utility")
            {
                var u = System.Text.RegularExpressions.Regex.Match(cmd, "--utility-sub-type=([A-Za-z.]+)");
                type += ":" + (u.Success ? u.Groups[1].Value : "?");
            }
        }
        else if (cmd.Contains("run-driver", StringComparison.Ordinal))
        {
            type = "playwright-driver";
        }
        else
        {
            continue;
        }

        result[type] = result.GetValueOrDefault(type) + process.CpuSeconds;
    }

    return result;
}

// Every process's parent, CPU seconds (utime + stime) and command line, from /proc.
static IEnumerable<(int Pid, int Parent, double CpuSeconds, string CommandLine)> Processes()
{
    const double TicksPerSecond = 100;
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        if (!int.TryParse(Path.GetFileName(dir), out var pid))
        {
            continue;
        }

        (int, int, double, string)? process = null;
        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            process = (pid, int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), ticks / TicksPerSecond, commandLine);
        }
        catch (IOException)
        {
            // The process ended meanwhile.
        }

        if (process is { } found)
        {
            yield return found;
        }
    }
}

static (long Managed, long WorkingSet) Measure()
{
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    using var process = Process.GetCurrentProcess();
    return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
}

async Task PostAsync(HttpClient client, string contactId, string text)
{
    using var response = await client.PostAsJsonAsync($"api/v1/channels/{channelId}/messages",
        new { contact = new { id = contactId, name = "Cliente " + contactId }, text, id = Guid.NewGuid().ToString("N") });
    response.EnsureSuccessStatusCode();
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static double UnixMs() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

static double Percentile(List<double> sorted, int p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];

static string FindWebProject()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TalkToMe.sln")))
    {
        dir = dir.Parent;
    }

    return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("TalkToMe.sln not found"), "TalkToMe.Web");
}
