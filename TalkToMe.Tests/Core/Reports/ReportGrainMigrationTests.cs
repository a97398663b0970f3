using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Reports;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Reports;

/// <summary>
/// An installation upgraded from the single-grain rollups (5 % buckets) must read the same reports without a rebuild:
/// the FillReportGrains migration derives the grains and the 10 % buckets from the rows already kept.
/// </summary>
public sealed class ReportGrainMigrationTests
{
    [Fact]
    public async Task FillReportGrains_FromSingleGrainRows_GivesTheCellsTheUnitsOfWorkKeep()
    {
        var deltas = RandomDeltas();
        var (settings, path) = TestPostgres.Enabled
            ? (DatabaseSettings.PostgreSql(await TestPostgres.CreateEmptyDatabaseAsync()), null)
            : (DatabaseSettings.Sqlite($"Data Source={TestDatabase.TempPath()};Pooling=False"), "");
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        settings.Configure(options);
        try
        {
            await using (var db = new TalkToMeDbContext(options.Options))
            {
                var migrator = db.GetService<IMigrator>();
                await migrator.MigrateAsync(db.Database.GetMigrations().Single(m => m.EndsWith("_AddRatingStep", StringComparison.Ordinal)));
                // The old grain: one cell per (day, channel, agent, metric, bucket), durations in e^(1/20) buckets.
                // Durations within business hours (metrics 10–12) came later: ReportBusinessHours copies them from these.
                foreach (var cell in deltas.Where(d => !IsBusinessDuration(d.Metric)).GroupBy(d => (d.Day, d.ChannelId, d.AgentId, d.Metric,
                             Bucket: IsDuration(d.Metric) ? (int)Math.Floor(Math.Log(d.Sum + 1) * 20) : d.Bucket)))
                {
                    long count = cell.LongCount(), sum = cell.Sum(d => d.Sum);
                    await db.Database.ExecuteSqlInterpolatedAsync($"""
                        INSERT INTO "ReportCounts" ("Day", "ChannelId", "AgentId", "Metric", "Bucket", "Count", "Sum")
                        VALUES ({cell.Key.Day}, {cell.Key.ChannelId}, {cell.Key.AgentId}, {(int)cell.Key.Metric}, {cell.Key.Bucket}, {count}, {sum})
                        """);
                }

                await migrator.MigrateAsync();
            }

            await using (var db = new TalkToMeDbContext(options.Options))
            {
                var migrated = (await db.ReportCounts.AsNoTracking().ToListAsync())
                    .Select(r => $"{r.Grain} {r.Day} {r.ChannelId} {r.AgentId} {r.Metric} {r.Bucket}: {r.Count} {r.Sum}")
                    .Order(StringComparer.Ordinal).ToList();
                var kept = deltas.SelectMany(d => ReportCount.CellsOf(d).Select(c => (Cell: c, d.Sum))).GroupBy(c => c.Cell)
                    .Select(g => $"{g.Key.Grain} {g.Key.Day} {g.Key.ChannelId} {g.Key.AgentId} {g.Key.Metric} {g.Key.Bucket}: {g.Count()} {g.Sum(c => c.Sum)}")
                    .Order(StringComparer.Ordinal).ToList();

                Assert.True(kept.Count > 100, $"only {kept.Count} cells");
                Assert.Equal(kept, migrated);
            }
        }
        finally
        {
            if (path is null)
            {
                await TestPostgres.DropDatabaseAsync(settings.ConnectionString);
            }
            else
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                File.Delete(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(settings.ConnectionString).DataSource);
            }
        }
    }

    private static bool IsBusinessDuration(ReportMetric metric) => ReportMetrics.Durations.Any(d => d.Business == metric);

    private static bool IsDuration(ReportMetric metric) =>
        metric is ReportMetric.FirstResponse or ReportMetric.BotFirstResponse or ReportMetric.ResolutionTime;

    /// <summary>What 200 conversations over 3 days, 2 channels and 3 agents add to the rollups (the benchmark's story).</summary>
    private static List<ReportTimeline.Delta> RandomDeltas()
    {
        var random = new Random(1604);
        var agents = new[] { "ana-id", "joao-id", "bia-id" };
        var deltas = new List<ReportTimeline.Delta>();
        long id = 0;
        for (var n = 0; n < 200; n++)
        {
            var created = TestData.Now.AddDays(-3).AddSeconds(random.NextDouble() * 3 * 86400);
            var channel = random.Next(1, 3);
            var agent = agents[random.Next(agents.Length)];
            var state = new ConversationReportState(n + 1, channel, created);
            ReportTimeline.Start(state, created, deltas);
            var at = created;
            void Add(MessageDirection direction, MessageKind kind, SenderType sender, string? senderId, ActivityData? activity = null) =>
                ReportTimeline.Apply(state, new ReportMessage(++id, direction, kind, sender, senderId, at, activity), deltas);

            Add(MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, null);
            if (channel == 2)
            {
                at = at.AddSeconds(2);
                Add(MessageDirection.Outgoing, MessageKind.Text, SenderType.Bot, null);
            }

            for (var r = random.Next(0, 4); r > 0; r--)
            {
                at = at.AddSeconds(30 + random.NextDouble() * random.NextDouble() * 7200);
                Add(MessageDirection.Outgoing, MessageKind.Text, SenderType.Agent, agent);
                at = at.AddSeconds(20 + random.NextDouble() * 600);
                Add(MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, null);
            }

            at = at.AddMinutes(random.Next(1, 600));
            var end = random.NextDouble();
            if (end < 0.7)
            {
                Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Resolved(new Actor(agent, "A")));
                if (random.NextDouble() < 0.2)
                {
                    at = at.AddHours(2);
                    Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Reopened(new Actor(agent, "A")));
                    at = at.AddMinutes(30);
                    Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Resolved(new Actor(agent, "A")));
                }

                if (random.NextDouble() < 0.3)
                {
                    Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.Rated(random.Next(1, 6)));
                }
            }
            else if (end < 0.85)
            {
                Add(MessageDirection.Outgoing, MessageKind.Activity, SenderType.System, null, ActivityText.KeepAliveClosed);
            }
        }

        return deltas;
    }
}
