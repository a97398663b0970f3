using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Realtime;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Benchmarks;

/// <summary>
/// Issue 15's figure: 1,000 conversations that arrive together, assigned across 50 Disponível agents (capacity 25 each) by
/// the app's own automatic assignment (least busy), in the app hosted in this process. Three phases, in one run:
/// <list type="number">
/// <item>the baseline: 1,000 customers write at once to a channel without automatic assignment (storing them only);</item>
/// <item>the same 1,000 conversations, already waiting, when the admin turns "Menos ocupado" on: the assigner alone;</item>
/// <item>1,000 more customers write at once to a channel with automatic assignment on, for 50 other agents: until the
/// last one is assigned (stored and assigned, as the issue asks).</item>
/// </list>
/// Every phase ends with a check that no agent is over capacity and every conversation has one assignee.
/// </summary>
public static class AssignBenchmark
{
    private const int Capacity = 25;

    public static async Task<int> RunAsync(int conversations, int agents, DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        string? path = null, postgres = null, dataFolder = null;
        try
        {
            string[] databaseArgs;
            if (provider == DatabaseProvider.PostgreSql)
            {
                postgres = await BenchDatabase.CreateDatabaseAsync("assign");
                dataFolder = Directory.CreateTempSubdirectory("talktome-bench-keys-").FullName;
                databaseArgs = ["--TalkToMe:Database:Provider=PostgreSql", $"--ConnectionStrings:TalkToMe={postgres}", $"--TalkToMe:DataFolder={dataFolder}"];
            }
            else
            {
                path = Stats.TempDatabase("assign");
                databaseArgs = [$"--ConnectionStrings:TalkToMe=Data Source={path}"];
            }

            var app = IngestBenchmark.BuildApp(databaseArgs);
            await app.StartAsync();
            var services = app.Services;
            var factory = services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
            int queued, live;
            string[] firstTeam, secondTeam;
            await using (var db = await factory.CreateDbContextAsync())
            {
                var now = DateTime.UtcNow;
                var first = new Channel("Fila", ChannelType.Api, Secrets.NewKey(), now);
                var second = new Channel("Chegada", ChannelType.Api, Secrets.NewKey(), now);
                db.Channels.AddRange(first, second);
                firstTeam = AddAgents(db, "a", agents, AgentStatus.Available);
                secondTeam = AddAgents(db, "b", agents, AgentStatus.Offline);
                await db.SaveChangesAsync();
                (queued, live) = (first.Id, second.Id);
            }

            Console.WriteLine($"provider {provider}; {conversations:N0} conversations; {agents} agents per team, capacity {Capacity} each; " +
                $"{Environment.ProcessorCount} cores; load {LoadAverage()}");
            var assigner = services.GetRequiredService<AutoAssigner>();
            var inbound = services.GetRequiredService<InboundWriter>();
            var events = services.GetRequiredService<InboxEventHub>();
            var admin = new Actor("bench-admin", "Bench", IsAdmin: true);

            // 1. Baseline: storing the arrivals only.
            var stored = await ArriveAsync(inbound, queued, "q", conversations);
            Console.WriteLine($"1. {conversations:N0} customers write at once, no automatic assignment (stored only): {stored:N0} ms");

            // 2. The assigner alone: the queue is there, the admin turns it on.
            var assigned = Watch(events, queued, conversations);
            var clock = Stopwatch.StartNew();
            await assigner.SetModeAsync(admin, queued, AutoAssignMode.LeastBusy);
            await assigned.Task.WaitAsync(TimeSpan.FromMinutes(5));
            Console.WriteLine($"2. the {conversations:N0} waiting conversations assigned once 'Menos ocupado' is on: {clock.ElapsedMilliseconds:N0} ms " +
                $"({clock.Elapsed.TotalMilliseconds / conversations:F2} ms each)");
            await CheckAsync(factory, queued, conversations, firstTeam);

            // 3. Stored and assigned: another team takes over and 1,000 new customers write at once.
            await using (var db = await factory.CreateDbContextAsync())
            {
                await db.Users.Where(u => firstTeam.Contains(u.Id)).ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, AgentStatus.Offline));
                await db.Users.Where(u => secondTeam.Contains(u.Id)).ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, AgentStatus.Available));
            }

            await assigner.SetModeAsync(admin, queued, AutoAssignMode.Off);
            await assigner.SetModeAsync(admin, live, AutoAssignMode.LeastBusy);
            assigned = Watch(events, live, conversations);
            clock.Restart();
            var arrived = await ArriveAsync(inbound, live, "l", conversations);
            await assigned.Task.WaitAsync(TimeSpan.FromMinutes(5));
            Console.WriteLine($"3. {conversations:N0} customers write at once with automatic assignment on: all stored after {arrived:N0} ms, " +
                $"all assigned after {clock.ElapsedMilliseconds:N0} ms");
            await CheckAsync(factory, live, conversations, secondTeam);
            await app.StopAsync();
            await app.DisposeAsync();
            return 0;
        }
        finally
        {
            if (path is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Stats.Delete(path);
            }

            if (postgres is not null)
            {
                await BenchDatabase.DropDatabaseAsync(postgres);
            }

            if (dataFolder is not null)
            {
                Directory.Delete(dataFolder, recursive: true);
            }
        }
    }

    private static string[] AddAgents(TalkToMeDbContext db, string team, int count, AgentStatus status)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            var id = $"bench-{team}-{i:000}";
            db.Users.Add(new AppUser
            {
                Id = id,
                UserName = $"{id}@bench.local",
                Email = $"{id}@bench.local",
                DisplayName = $"Agente {team.ToUpperInvariant()}{i}",
                Status = status,
                StatusChosen = true,
                MaxOpenConversations = Capacity,
                CreatedAt = DateTime.UtcNow,
            });
            ids[i] = id;
        }

        return ids;
    }

    /// <summary>Every customer writes at once (one task each); milliseconds until the last is stored.</summary>
    private static async Task<long> ArriveAsync(InboundWriter inbound, int channelId, string prefix, int count)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() =>
            inbound.ReceiveAsync(new InboundMessage(channelId, $"{prefix}-{i}", $"Cliente {i}", $"{prefix}-m-{i}", "Olá, preciso de ajuda")))));
        return clock.ElapsedMilliseconds;
    }

    /// <summary>Completes when <paramref name="count"/> conversations of the channel were assigned (their commits' events).</summary>
    private static TaskCompletionSource Watch(InboxEventHub events, int channelId, int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new ConcurrentDictionary<int, bool>();
        IDisposable? subscription = null;
        subscription = events.Subscribe(e =>
        {
            if (e is ConversationChanged { AssigneeId: not null } changed && changed.ChannelId == channelId
                && seen.TryAdd(changed.ConversationId, true) && seen.Count == count)
            {
                subscription?.Dispose();
                done.TrySetResult();
            }
        });
        return done;
    }

    private static async Task CheckAsync(IDbContextFactory<TalkToMeDbContext> factory, int channelId, int count, string[] team)
    {
        await using var db = await factory.CreateDbContextAsync();
        var perAgent = await db.Conversations.Where(c => c.ChannelId == channelId && c.Status == ConversationStatus.Open)
            .GroupBy(c => c.AssigneeId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        var unassigned = perAgent.Where(a => a.Key == null).Sum(a => a.Count);
        var outside = perAgent.Where(a => a.Key != null && !team.Contains(a.Key)).Sum(a => a.Count);
        var max = perAgent.Where(a => a.Key != null).Select(a => a.Count).DefaultIfEmpty().Max();
        var total = perAgent.Sum(a => a.Count);
        Console.WriteLine($"   check: {total:N0} conversations, {unassigned} unassigned, {outside} outside the team, " +
            $"{perAgent.Count(a => a.Key != null)} agents used, at most {max} per agent (capacity {Capacity})");
        if (total != count || unassigned != 0 || outside != 0 || max > Capacity)
        {
            throw new InvalidOperationException("the assignment check failed");
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
