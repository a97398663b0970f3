using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Reports;

namespace TalkToMe.Benchmarks;

/// <summary>
/// Issue 16: a 30-day Relatórios report over 1,000,000 conversations, on SQLite, through the app's ReportQuery. Reports
/// read only the per-day rollups, so the database is seeded with the cells those conversations produce: each synthetic
/// conversation (60 days, 10 channels, 50 agents; bot greeting, 1–5 agent replies, 80% resolved, 8% closed by Keep
/// Alive, 5% reopened and resolved again, 30% rated) is walked through the same ReportTimeline the units of work use.
/// Conversation and message rows are not written: no report reads them.
/// </summary>
public static class ReportBenchmark
{
    private const int Channels = 10, Agents = 50, Days = 60, Runs = 20;

    // One conversation in this many carries the label "VIP", and is written as real conversation and message rows.
    private const int LabelEvery = 100;

    public static async Task<int> RunAsync(int conversations)
    {
        // TALKTOME_BENCH_REUSE=<file> reads a database an earlier run kept (TALKTOME_BENCH_KEEP=1) instead of seeding one.
        var reuse = Environment.GetEnvironmentVariable("TALKTOME_BENCH_REUSE");
        var path = reuse ?? Stats.TempDatabase("reports");
        try
        {
            var factory = new Factory($"Data Source={path}");
            await new DatabaseMigrator(factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
            int cells, labelId;
            int[] channelIds;
            string[] agentIds;
            if (reuse is null)
            {
                var fill = Stopwatch.StartNew();
                (cells, channelIds, agentIds, labelId) = await FillAsync(factory, path, conversations);
                Console.WriteLine($"Sqlite: rollups of {conversations:N0} conversations over {Days} days: {cells:N0} cells, seeded in {fill.Elapsed.TotalSeconds:0.0} s");
            }
            else
            {
                await using var db = factory.CreateDbContext();
                channelIds = await db.Channels.OrderBy(c => c.Id).Select(c => c.Id).ToArrayAsync();
                agentIds = await db.Users.OrderBy(u => u.UserName).Select(u => u.Id).ToArrayAsync();
                labelId = await db.Labels.Select(l => l.Id).SingleAsync();
                Console.WriteLine($"Sqlite: the rollups kept in {path}: {await db.ReportCounts.CountAsync():N0} cells");
            }

            var query = new ReportQuery(factory);
            var today = DateOnly.FromDateTime(TestNow).AddDays(-1);
            var month = new ReportFilter(today.AddDays(-29), today);
            foreach (var (name, filter) in new (string, ReportFilter)[]
                     {
                         ("30 days, all channels and agents (admin)", month),
                         ("30 days, one channel", month with { ChannelId = channelIds[0] }),
                         ("30 days, one agent (an agent's own page)", month with { AgentId = agentIds[0] }),
                         ("7 days, all", month with { From = today.AddDays(-6) }),
                         // A label is recounted from its conversations' messages (ReportQuery.LabelledCountsAsync), not read from rollups.
                         ($"30 days, one label (1 in {LabelEvery} conversations)", month with { LabelId = labelId }),
                     })
            {
                for (var i = 0; i < 3; i++)
                {
                    await query.GetAsync(filter);
                }

                var samples = new List<double>();
                ReportResult? last = null;
                for (var i = 0; i < Runs; i++)
                {
                    var watch = Stopwatch.StartNew();
                    last = await query.GetAsync(filter);
                    samples.Add(watch.Elapsed.TotalMilliseconds);
                }

                Console.WriteLine($"  {name,-45} {Stats.Summary(samples)}  (opened {last!.Totals.Opened:N0}, resolved {last.Totals.Resolved:N0})");
            }

            return 0;
        }
        finally
        {
            // TALKTOME_BENCH_KEEP=1 leaves the seeded file behind, to look at a query plan with sqlite3.
            if (Environment.GetEnvironmentVariable("TALKTOME_BENCH_KEEP") == "1" || reuse is not null)
            {
                Console.WriteLine($"Kept {path}");
            }
            else
            {
                Stats.Delete(path);
            }
        }
    }

    private static readonly DateTime TestNow = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);

    private static async Task<(int Cells, int[] ChannelIds, string[] AgentIds, int LabelId)> FillAsync(Factory factory, string path, int conversations)
    {
        int[] channelIds;
        string[] agentIds;
        int labelId;
        await using (var db = factory.CreateDbContext())
        {
            var channels = Enumerable.Range(1, Channels).Select(i => new Channel($"Canal {i}", ChannelType.Api, TalkToMe.Core.Secrets.NewKey(), TestNow)).ToList();
            db.Channels.AddRange(channels);
            var agents = Enumerable.Range(1, Agents).Select(i => new AppUser { UserName = $"a{i}@x", Email = $"a{i}@x", DisplayName = $"Agente {i}" }).ToList();
            db.Users.AddRange(agents);
            var label = new Label("VIP", "#7B1FA2");
            db.Labels.Add(label);
            await db.SaveChangesAsync();
            labelId = label.Id;
            channelIds = channels.Select(c => c.Id).ToArray();
            agentIds = agents.Select(a => a.Id).ToArray();
        }

        // The other conversations' events (ReportEvent), as the units of work keep them, under ids no written conversation has:
        // a label's report reads its own conversations' events by conversation, among all of theirs.
        await using var connection = new SqliteConnection($"Data Source={path};Foreign Keys=False");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var insertEvent = connection.CreateCommand();
        insertEvent.Transaction = transaction;
        insertEvent.CommandText = """
            INSERT INTO "ReportEvents" ("ConversationId", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Sum") VALUES ($c, $d, $ch, $a, $m, $b, $s)
            """;
        var eventParameters = new[] { "$c", "$d", "$ch", "$a", "$m", "$b", "$s" }.Select(p => insertEvent.Parameters.Add(new SqliteParameter { ParameterName = p })).ToArray();
        long events = 0;

        var random = new Random(16);
        var totals = new Dictionary<(ReportGrain, int, int, string, ReportMetric, int), (long Count, long Sum)>();
        var deltas = new List<ReportTimeline.Delta>();
        var labelled = new List<(int Channel, DateTime Created, List<ReportMessage> Messages)>();
        long id = 0;
        for (var n = 0; n < conversations; n++)
        {
            deltas.Clear();
            List<ReportMessage>? story = n % LabelEvery == 0 ? [] : null;
            var created = TestNow.AddDays(-Days).AddSeconds(random.NextDouble() * Days * 86400);
            var channel = channelIds[random.Next(Channels)];
            var agent = agentIds[random.Next(Agents)];
            var state = new ConversationReportState(n + 1, channel, created);
            ReportTimeline.Start(state, created, deltas);
            var at = created;
            void Add(MessageDirection direction, MessageKind kind, SenderType sender, string? senderId, ActivityData? activity = null)
            {
                var message = new ReportMessage(++id, direction, kind, sender, senderId, at, activity);
                ReportTimeline.Apply(state, message, deltas);
                story?.Add(message);
            }

            Add(MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, null);
            if (channel % 2 == 0)
            {
                at = at.AddSeconds(2);
                Add(MessageDirection.Outgoing, MessageKind.Text, SenderType.Bot, null);
            }

            for (var r = random.Next(1, 6); r > 0; r--)
            {
                at = at.AddSeconds(30 + random.NextDouble() * random.NextDouble() * 7200);
                Add(MessageDirection.Outgoing, MessageKind.Text, SenderType.Agent, agent);
                at = at.AddSeconds(20 + random.NextDouble() * 600);
                Add(MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, null);
            }

            var end = random.NextDouble();
            at = at.AddMinutes(random.Next(1, 600));
            if (end < 0.80)
            {
                Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Resolved(new Actor(agent, "A")));
                if (random.NextDouble() < 0.05)
                {
                    at = at.AddHours(2);
                    Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Reopened(new Actor(agent, "A")));
                    at = at.AddMinutes(30);
                    Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Resolved(new Actor(agent, "A")));
                }

                if (random.NextDouble() < 0.30)
                {
                    at = at.AddMinutes(1);
                    Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Rated(random.Next(1, 6)));
                }
            }
            else if (end < 0.88)
            {
                Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.KeepAliveClosed);
            }

            if (story is not null)
            {
                labelled.Add((channel, created, story));
            }
            else
            {
                foreach (var d in deltas.Where(ReportEvent.Keeps))
                {
                    eventParameters[0].Value = 1_000_000 + n;
                    eventParameters[1].Value = d.Day;
                    eventParameters[2].Value = d.ChannelId;
                    eventParameters[3].Value = d.AgentId;
                    eventParameters[4].Value = (int)d.Metric;
                    eventParameters[5].Value = d.Bucket;
                    eventParameters[6].Value = d.Sum;
                    await insertEvent.ExecuteNonQueryAsync();
                    events++;
                }
            }

            // Every grain, as the units of work keep them.
            foreach (var d in deltas)
            {
                foreach (var key in ReportCount.CellsOf(d))
                {
                    var (count, sum) = totals.GetValueOrDefault(key);
                    totals[key] = (count + 1, sum + d.Sum);
                }
            }
        }

        // One transaction, one prepared statement: the seed, not what is measured.
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO "ReportCounts" ("Grain", "Day", "ChannelId", "AgentId", "Metric", "Bucket", "Count", "Sum") VALUES ($g, $d, $c, $a, $m, $b, $n, $s)
            """;
        var parameters = new[] { "$g", "$d", "$c", "$a", "$m", "$b", "$n", "$s" }.Select(p => insert.Parameters.Add(new SqliteParameter { ParameterName = p })).ToArray();
        // In day order, as the units of work add them day after day (rowid order is what a day range's reads walk).
        foreach (var ((grain, day, channel, agent, metric, bucket), (count, sum)) in totals.OrderBy(t => t.Key.Item2))
        {
            parameters[0].Value = (int)grain;
            parameters[1].Value = day;
            parameters[2].Value = channel;
            parameters[3].Value = agent;
            parameters[4].Value = (int)metric;
            parameters[5].Value = bucket;
            parameters[6].Value = count;
            parameters[7].Value = sum;
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        await WriteLabelledAsync(factory, labelId, labelled);
        await using (var analyze = connection.CreateCommand())
        {
            analyze.CommandText = "ANALYZE";
            await analyze.ExecuteNonQueryAsync();
        }

        Console.WriteLine("  cells per grain: " + string.Join(", ", totals.Keys.GroupBy(k => k.Item1).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count():N0}")));
        Console.WriteLine($"  labelled conversations written as rows: {labelled.Count:N0} with {labelled.Sum(l => l.Messages.Count):N0} messages");
        Console.WriteLine($"  report events of the other conversations: {events:N0}");
        return (totals.Count, channelIds, agentIds, labelId);
    }

    /// <summary>The labelled conversations as the app stores them (contact, conversation, label, messages), 1,000 per save.</summary>
    private static async Task WriteLabelledAsync(Factory factory, int labelId, List<(int Channel, DateTime Created, List<ReportMessage> Messages)> labelled)
    {
        foreach (var batch in labelled.Chunk(1000))
        {
            await using var db = factory.CreateDbContext();
            var channels = await db.Channels.ToDictionaryAsync(c => c.Id);
            var label = await db.Labels.SingleAsync(l => l.Id == labelId);
            var written = new List<(Conversation Conversation, int Channel, DateTime Created, List<ReportMessage> Messages)>();
            foreach (var (channel, created, messages) in batch)
            {
                var contact = new Contact("Cliente VIP", created);
                var conversation = new Conversation(channels[channel], contact.AddIdentity(channel, Guid.NewGuid().ToString("N")), created);
                conversation.AddLabel(label);
                db.Add(conversation);
                written.Add((conversation, channel, created, messages));
                foreach (var m in messages)
                {
                    db.Add(m switch
                    {
                        { Kind: MessageKind.Activity } => Message.Activity(conversation, m.Activity!, m.CreatedAt),
                        { Direction: MessageDirection.Incoming } => Message.Incoming(conversation, "Olá, meu pedido atrasou", null, m.CreatedAt),
                        _ => Message.Outgoing(conversation, "Vou verificar", m.SenderType, m.SenderId, m.SenderType == SenderType.Bot ? "Bot" : "A", m.CreatedAt),
                    });
                }
            }

            await db.SaveChangesAsync();

            // Their rollup states and events, as a unit of work keeps them from each conversation's start.
            foreach (var (conversation, channel, created, messages) in written)
            {
                var state = new ConversationReportState(conversation.Id, channel, created);
                var deltas = new List<ReportTimeline.Delta>();
                ReportTimeline.Start(state, created, deltas);
                foreach (var message in messages)
                {
                    ReportTimeline.Apply(state, message, deltas);
                }

                db.Add(state);
                db.AddRange(deltas.Where(ReportEvent.Keeps).Select(d => new ReportEvent(d)));
            }

            await db.SaveChangesAsync();
        }
    }

    private sealed class Factory(string connectionString) : IDbContextFactory<TalkToMeDbContext>
    {
        private readonly DbContextOptions<TalkToMeDbContext> _options = Build(connectionString);

        public TalkToMeDbContext CreateDbContext() => new(_options);

        private static DbContextOptions<TalkToMeDbContext> Build(string connectionString)
        {
            var builder = new DbContextOptionsBuilder<TalkToMeDbContext>();
            DatabaseSettings.Sqlite(connectionString).Configure(builder);
            if (Environment.GetEnvironmentVariable("TALKTOME_BENCH_SQL") == "1")
            {
                builder.LogTo(Console.WriteLine, [DbLoggerCategory.Database.Command.Name], Microsoft.Extensions.Logging.LogLevel.Information);
            }

            return builder.Options;
        }
    }
}
