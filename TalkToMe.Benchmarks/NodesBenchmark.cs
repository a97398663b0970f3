using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Benchmarks;

/// <summary>
/// Cross-node push (issue 13): two nodes in this process on one PostgreSQL database with Redis between them; customer
/// messages POSTed to node A at a steady rate; /hubs/inbox subscribers (the .NET SignalR client) on node A (one node: the
/// baseline) and then on node B (across nodes), in the same run. Latency = POST sent → MessageAdded received.
/// Needs TALKTOME_TEST_POSTGRES (or TALKTOME_BENCH_POSTGRES) and TALKTOME_TEST_REDIS (tools/test-postgres.sh and
/// tools/test-redis.sh run -- …).
/// </summary>
public static class NodesBenchmark
{
    private const string AdminEmail = "admin@bench.local";

    public static async Task<int> RunAsync(int seconds, int subscribers, int rate)
    {
        var redis = Environment.GetEnvironmentVariable("TALKTOME_TEST_REDIS") is { Length: > 0 } server
            ? $"{server},channelPrefix=bench-{Guid.NewGuid():N}:"
            : throw new InvalidOperationException("Set TALKTOME_TEST_REDIS (run under tools/test-redis.sh run -- …).");
        var postgres = await BenchDatabase.CreateDatabaseAsync("nodes");
        var folders = new List<string>();
        try
        {
            await using var nodeA = await StartNodeAsync(postgres, redis, folders);
            await using var nodeB = await StartNodeAsync(postgres, redis, folders);
            var (channelId, channelToken, personalToken) = await SeedAsync(nodeA.Services);
            using var client = new HttpClient { BaseAddress = new Uri(Url(nodeA)) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);

            Console.WriteLine($"{subscribers} /hubs/inbox subscribers, {rate} msg/s POSTed to node A for {seconds} s per phase; " +
                $"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
            await PhaseAsync("warm-up (node A)", nodeA, client, channelId, personalToken, subscribers, rate, 3);
            var results = new List<(string Name, List<double> Ms, double CpuPerEvent)>();
            // Alternated, so a noisy moment of this shared machine does not land on one side only.
            foreach (var (name, node) in new[] { ("one node (A → A)", nodeA), ("across nodes (A → B)", nodeB), ("one node (A → A)", nodeA), ("across nodes (A → B)", nodeB) })
            {
                results.Add(await PhaseAsync(name, node, client, channelId, personalToken, subscribers, rate, seconds));
            }

            Console.WriteLine();
            foreach (var group in results.GroupBy(r => r.Name))
            {
                var all = group.SelectMany(r => r.Ms).ToList();
                Console.WriteLine($"{group.Key}: {Stats.Summary(all)}; process CPU per delivered event {group.Average(r => r.CpuPerEvent):0.000} ms");
            }

            var one = results.Where(r => r.Name.StartsWith("one")).SelectMany(r => r.Ms).Order().ToList();
            var cross = results.Where(r => r.Name.StartsWith("across")).SelectMany(r => r.Ms).Order().ToList();
            Console.WriteLine($"cross-node / one-node: p50 {Stats.Percentile(cross, 50) / Stats.Percentile(one, 50):0.00}×, " +
                $"p99 {Stats.Percentile(cross, 99) / Stats.Percentile(one, 99):0.00}×");
            // Ingest: the same 16 senders, all on node A, then half on each node (both nodes live in this process, so the
            // CPU is this process's, per accepted message).
            Console.WriteLine();
            using var clientB = new HttpClient { BaseAddress = new Uri(Url(nodeB)) };
            clientB.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
            foreach (var (name, targets) in new[] { ("ingest, one node", new[] { client }), ("ingest, two nodes", new[] { client, clientB }),
                ("ingest, one node", new[] { client }), ("ingest, two nodes", new[] { client, clientB }) })
            {
                await IngestAsync(name, targets, channelId, seconds, []);
            }

            await nodeB.StopAsync();
            await nodeA.StopAsync();

            // The same with each node its own OS process (the built TalkToMe.Web.dll), so the CPU per message can be told
            // apart: node A, node B, PostgreSQL (server and backends), Redis, and this process (the senders).
            Console.WriteLine();
            using var processA = await NodeProcess.StartAsync(postgres, redis, folders);
            using var processB = await NodeProcess.StartAsync(postgres, redis, folders);
            using var onA = processA.Client(channelToken);
            using var onB = processB.Client(channelToken);
            var port = new Npgsql.NpgsqlConnectionStringBuilder(postgres).Port.ToString();
            var postgresPid = ProcessCpu.Find("postgres", "-D", port);
            var redisPid = ProcessCpu.Find("redis-server", redis.Split(',')[0]);
            var self = Environment.ProcessId;
            (string, Func<double>)[] processes =
            [
                ("node A", () => ProcessCpu.Milliseconds(processA.Id)),
                ("node B", () => ProcessCpu.Milliseconds(processB.Id)),
                // Where node B's time goes when no request reaches it: the JIT's tier-up, the GC, or work per event.
                ("of which JIT", () => ProcessCpu.ThreadsMilliseconds(processB.Id, n => n.StartsWith(".NET Tiered", StringComparison.Ordinal))),
                ("GC", () => ProcessCpu.ThreadsMilliseconds(processB.Id, n => n.Contains("GC", StringComparison.Ordinal))),
                ("thread pool", () => ProcessCpu.ThreadsMilliseconds(processB.Id, n => n.StartsWith(".NET TP", StringComparison.Ordinal))),
                ("Redis client", () => ProcessCpu.ThreadsMilliseconds(processB.Id, n => n.Contains("Socket", StringComparison.Ordinal))),
                ("PostgreSQL", () => postgresPid is { } pg ? ProcessCpu.TreeMilliseconds(pg) : double.NaN),
                ("Redis", () => redisPid is { } r ? ProcessCpu.Milliseconds(r) : double.NaN),
                ("senders (this process)", () => ProcessCpu.Milliseconds(self)),
            ];
            await IngestAsync("warm-up, node processes", [onA, onB], channelId, 3, processes);
            // A fresh node spends seconds of CPU after its first requests on the JIT's tier-up (session 11: 250–370 ms
            // per second on a node that got no traffic, which read as "per-event work" in session 10's figures).
            await SettleAsync([processA.Id, processB.Id]);
            // The floor: what each process spends with no traffic at all, right after the warm-up and after the runs.
            await IdleAsync("idle after the warm-up", seconds, processes);
            foreach (var (name, targets) in new[] { ("ingest, one node process", new[] { onA }), ("ingest, two node processes", new[] { onA, onB }),
                ("ingest, one node process", new[] { onA }), ("ingest, two node processes", new[] { onA, onB }) })
            {
                await IngestAsync(name, targets, channelId, seconds, processes);
            }

            await IdleAsync("idle after the runs", seconds, processes);

            return 0;
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await BenchDatabase.DropDatabaseAsync(postgres);
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// Issue 17 item 4: external subscribers on one node with the default storage (SQLite, no Redis): <paramref name="clients"/>
    /// .NET SignalR clients on /hubs/inbox with a personal token, customer messages POSTed to an API channel at
    /// <paramref name="rate"/> msg/s. A 3 s warm-up, then three phases of <paramref name="seconds"/>; latency = POST sent →
    /// MessageAdded received by a client. Clients and app share this process (and its CPU and memory figures).
    /// </summary>
    public static async Task<int> RunOneNodeAsync(int seconds, int clients, int rate)
    {
        var folder = Directory.CreateTempSubdirectory("talktome-bench-hub-").FullName;
        try
        {
            var app = TalkToMeApp.Build(
            [
                "--urls=http://127.0.0.1:0",
                "--environment=Development",
                $"--contentRoot={IngestBenchmark.WebProjectDirectory()}",
                $"--ConnectionStrings:TalkToMe=Data Source={Path.Combine(folder, "hub.db")}",
                $"--TalkToMe:DataFolder={folder}",
                "--TalkToMe:SeedDemoData=false",
                $"--TalkToMe:Admin:Email={AdminEmail}",
                "--TalkToMe:Admin:Password=Bench!2026xx",
                "--TalkToMe:RateLimits:PerIp=10000000",
                "--TalkToMe:RateLimits:PerChannel=10000000",
                "--Logging:LogLevel:Default=Warning",
            ]);
            await using var _ = app;
            await app.StartAsync();
            var (channelId, channelToken, personalToken) = await SeedAsync(app.Services);
            using var client = new HttpClient { BaseAddress = new Uri(Url(app)) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
            Console.WriteLine($"{clients} /hubs/inbox clients on one node (SQLite), {rate} msg/s POSTed for {seconds} s per phase; " +
                $"{Environment.ProcessorCount} cores; load before: {File.ReadAllText("/proc/loadavg").Trim()}");
            await PhaseAsync("warm-up", app, client, channelId, personalToken, clients, rate, 3);
            var results = new List<(string Name, List<double> Ms, double CpuPerEvent)>();
            for (var phase = 1; phase <= 3; phase++)
            {
                results.Add(await PhaseAsync($"phase {phase}", app, client, channelId, personalToken, clients, rate, seconds));
            }

            var all = results.SelectMany(r => r.Ms).ToList();
            Console.WriteLine($"{clients} clients × {rate} msg/s, three phases: {Stats.Summary(all)}; " +
                $"process CPU per delivered event {results.Average(r => r.CpuPerEvent):0.000} ms (app and clients)");
            await app.StopAsync();
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(string Name, List<double> Ms, double CpuPerEvent)> PhaseAsync(string name, WebApplication node,
        HttpClient client, int channelId, string personalToken, int subscribers, int rate, int seconds)
    {
        var received = new ConcurrentBag<(long MessageId, long At)>();
        var connections = new List<HubConnection>();
        var (managed0, workingSet0) = (GC.GetTotalMemory(forceFullCollection: true), Process.GetCurrentProcess().WorkingSet64);
        foreach (var batch in Enumerable.Range(0, subscribers).Chunk(20))
        {
            await Task.WhenAll(batch.Select(async _ =>
            {
                var connection = new HubConnectionBuilder()
                    .WithUrl(Url(node) + "/hubs/inbox", o => o.AccessTokenProvider = () => Task.FromResult<string?>(personalToken))
                    .Build();
                connection.On<JsonElement>("MessageAdded", e => received.Add((e.GetProperty("messageId").GetInt64(), Stopwatch.GetTimestamp())));
                await connection.StartAsync();
                lock (connections)
                {
                    connections.Add(connection);
                }
            }));
        }

        // Both ends of every connection live in this process: the figure is server and client together, an upper bound.
        var (managed1, workingSet1) = (GC.GetTotalMemory(forceFullCollection: true), Process.GetCurrentProcess().WorkingSet64);
        Console.WriteLine($"{name}: {subscribers} connections; memory per connection (server and client sides) managed " +
            $"{(managed1 - managed0) / 1024.0 / subscribers:0.0} KB, working set {(workingSet1 - workingSet0) / 1024.0 / subscribers:0.0} KB");
        var sent = new ConcurrentDictionary<string, long>();
        var prefix = $"{name[..3]}-{Guid.NewGuid():N}"[..12];
        var count = seconds * rate;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var posts = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var id = $"{prefix}-{i}";
            sent[id] = Stopwatch.GetTimestamp();
            posts.Add(client.PostAsync($"/api/v1/channels/{channelId}/messages", new StringContent(
                JsonSerializer.Serialize(new { id, contact = new { id = $"c{i % 50}", name = "Cliente" }, text = "Mensagem " + id }),
                Encoding.UTF8, "application/json")));
        }

        await Task.WhenAll(posts);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        Dictionary<long, string> idsByMessage;
        await using (var db = await node.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
        {
            idsByMessage = await db.Messages.Where(m => m.ExternalId != null && m.ExternalId.StartsWith(prefix))
                .ToDictionaryAsync(m => m.Id, m => m.ExternalId!);
        }

        var latencies = received.Where(r => idsByMessage.ContainsKey(r.MessageId))
            .Select(r => Stopwatch.GetElapsedTime(sent[idsByMessage[r.MessageId]], r.At).TotalMilliseconds).ToList();
        var expected = (long)count * subscribers;
        Console.WriteLine($"{name}: {latencies.Count:N0} of {expected:N0} events delivered; {Stats.Summary([.. latencies])}");
        return (name, latencies, cpu.TotalMilliseconds / Math.Max(1, latencies.Count));
    }

    private static async Task IngestAsync(string name, HttpClient[] targets, int channelId, int seconds, (string Name, Func<double> CpuMs)[] processes)
    {
        var accepted = 0;
        var latencies = new ConcurrentBag<double>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var processesBefore = processes.Select(p => p.CpuMs()).ToArray();
        var until = Stopwatch.GetTimestamp() + seconds * Stopwatch.Frequency;
        var prefix = Guid.NewGuid().ToString("N")[..8];
        await Task.WhenAll(Enumerable.Range(0, 16).Select(sender => Task.Run(async () =>
        {
            var client = targets[sender % targets.Length];
            for (var i = 0; Stopwatch.GetTimestamp() < until; i++)
            {
                var id = $"{prefix}-{sender}-{i}";
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync($"/api/v1/channels/{channelId}/messages", new StringContent(
                    JsonSerializer.Serialize(new { id, contact = new { id = $"i{sender}-{i % 20}", name = "Cliente" }, text = "Mensagem " + id }),
                    Encoding.UTF8, "application/json"));
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref accepted);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        })));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        if (processes.Length == 0)
        {
            Console.WriteLine($"{name}: {accepted / (double)seconds:N0} msg/s; acknowledgement {Stats.Summary([.. latencies])}; " +
                $"process CPU per message {cpu.TotalMilliseconds / Math.Max(1, accepted):0.000} ms");
            return;
        }

        var perMessage = processes.Select((p, i) => $"{p.Name} {(p.CpuMs() - processesBefore[i]) / Math.Max(1, accepted):0.000}");
        Console.WriteLine($"{name}: {accepted / (double)seconds:N0} msg/s; acknowledgement {Stats.Summary([.. latencies])}; " +
            $"CPU ms per message: {string.Join(", ", perMessage)}");
    }

    private static async Task SettleAsync(int[] pids)
    {
        static double Jit(int pid) => ProcessCpu.ThreadsMilliseconds(pid, n => n.StartsWith(".NET Tiered", StringComparison.Ordinal));
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var before = pids.Select(Jit).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (pids.Select((pid, i) => Jit(pid) - before[i]).All(ms => ms < 20))
            {
                break;
            }
        }

        Console.WriteLine($"JIT settled on both node processes after {watch.Elapsed.TotalSeconds:0} s");
    }

    private static async Task IdleAsync(string name, int seconds, (string Name, Func<double> CpuMs)[] processes)
    {
        var before = processes.Select(p => p.CpuMs()).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var perSecond = processes.Select((p, i) => $"{p.Name} {(p.CpuMs() - before[i]) / seconds:0.0}");
        Console.WriteLine($"{name}, {seconds} s without traffic: CPU ms per second: {string.Join(", ", perSecond)}");
    }

    /// <summary>An app node as its own OS process (the TalkToMe.Web.dll built beside the benchmarks), killed when disposed.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private readonly Process _process;

        private NodeProcess(Process process, string url)
        {
            _process = process;
            Url = url;
        }

        public int Id => _process.Id;

        public string Url { get; }

        public static async Task<NodeProcess> StartAsync(string postgres, string redis, List<string> folders)
        {
            var folder = Directory.CreateTempSubdirectory("talktome-bench-node-").FullName;
            folders.Add(folder);
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
            listener.Stop();
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "TalkToMe.Web.dll"), $"--urls={url}", "--environment=Development",
                $"--contentRoot={IngestBenchmark.WebProjectDirectory()}", "--TalkToMe:Database:Provider=PostgreSql",
                $"--ConnectionStrings:TalkToMe={postgres}", $"--ConnectionStrings:Redis={redis}", $"--TalkToMe:DataFolder={folder}",
                "--TalkToMe:SeedDemoData=false", $"--TalkToMe:Admin:Email={AdminEmail}", "--TalkToMe:Admin:Password=Bench!2026xx",
                "--TalkToMe:RateLimits:PerIp=10000000", "--Logging:LogLevel:Default=Warning",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var node = new NodeProcess(Process.Start(start)!, url);
            node._process.OutputDataReceived += (_, _) => { };
            node._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("node: " + e.Data); };
            node._process.BeginOutputReadLine();
            node._process.BeginErrorReadLine();
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            for (var watch = Stopwatch.StartNew(); watch.Elapsed < TimeSpan.FromSeconds(90); await Task.Delay(200))
            {
                try
                {
                    if ((await probe.GetAsync(url + "/healthz")).IsSuccessStatusCode)
                    {
                        return node;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
            }

            node.Dispose();
            throw new TimeoutException($"The node at {url} did not answer /healthz within 90 s");
        }

        public HttpClient Client(string channelToken)
        {
            var client = new HttpClient { BaseAddress = new Uri(Url) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
            return client;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }

    private static async Task<WebApplication> StartNodeAsync(string postgres, string redis, List<string> folders)
    {
        var folder = Directory.CreateTempSubdirectory("talktome-bench-node-").FullName;
        folders.Add(folder);
        var app = TalkToMeApp.Build(
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Development",
            $"--contentRoot={IngestBenchmark.WebProjectDirectory()}",
            "--TalkToMe:Database:Provider=PostgreSql",
            $"--ConnectionStrings:TalkToMe={postgres}",
            $"--ConnectionStrings:Redis={redis}",
            $"--TalkToMe:DataFolder={folder}",
            "--TalkToMe:SeedDemoData=false",
            $"--TalkToMe:Admin:Email={AdminEmail}",
            "--TalkToMe:Admin:Password=Bench!2026xx",
            "--TalkToMe:RateLimits:PerIp=10000000",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        return app;
    }

    private static string Url(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

    private static async Task<(int ChannelId, string ChannelToken, string PersonalToken)> SeedAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        var channelToken = Secrets.NewToken("ttmch");
        var channel = new Channel("Bench API", ChannelType.Api, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetApiTokenHash(Secrets.Hash(channelToken));
        db.Channels.Add(channel);
        var admin = await db.Users.SingleAsync(u => u.Email == AdminEmail);
        var personalToken = Secrets.NewToken("ttm");
        db.ApiTokens.Add(new ApiToken(admin.Id, "bench", Secrets.Hash(personalToken), personalToken[..8], DateTime.UtcNow));
        await db.SaveChangesAsync();
        return (channel.Id, channelToken, personalToken);
    }
}
