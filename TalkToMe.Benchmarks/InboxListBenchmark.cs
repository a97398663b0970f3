using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

namespace TalkToMe.Benchmarks;

/// <summary>InboxQuery over 1,000,000 conversations: first page p50/p99, and page 1,000 against page 1 (keyset cursor).</summary>
public static class InboxListBenchmark
{
    public static async Task<int> RunAsync(int conversations)
    {
        var path = Stats.TempDatabase("inbox");
        try
        {
            var connectionString = DependencyInjection.NormalizeConnectionString($"Data Source={path}");
            var factory = new Factory(connectionString);
            await new DatabaseMigrator(factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();

            var fill = Stopwatch.StartNew();
            await FillAsync(connectionString, conversations);
            Console.WriteLine($"inserted {conversations:N0} conversations (+ contacts, identities) in {fill.Elapsed.TotalSeconds:0.0} s");

            var query = new InboxQuery(factory);
            var open = new InboxFilter { Status = ConversationStatus.Open };
            var all = new InboxFilter { Status = null };

            var filters = new[] { ("Abertas", open), ("Todas", all) };

            // Warm both filters up before timing either: the JIT's tiering (tier 0, instrumented, tier 1) finishes in the
            // background over the first few hundred calls, and on 2 cores whichever filter ran first used to pay for it
            // (its page 1,000 came out faster than its page 1).
            for (var i = 0; i < 300; i++)
            {
                foreach (var (_, filter) in filters)
                {
                    var warm = await query.ListAsync(filter);
                    await query.ListAsync(filter, warm.Next);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            foreach (var (name, filter) in filters)
            {
                await PrintPlanAsync(connectionString, name, await query.FirstPageSqlAsync(filter));

                var first = new List<double>();
                for (var i = 0; i < 1000; i++)
                {
                    var watch = Stopwatch.StartNew();
                    var page = await query.ListAsync(filter);
                    first.Add(watch.Elapsed.TotalMilliseconds);
                    if (page.Items.Count != InboxQuery.DefaultPageSize)
                    {
                        throw new InvalidOperationException("short page");
                    }
                }

                Console.WriteLine($"[{name}] first page of 50: {Stats.Summary(first)}");

                // Walk the cursor to page 1,000, then time fetching page 1,000 again and again.
                InboxCursor? cursor = null;
                for (var pageNumber = 1; pageNumber < 1000; pageNumber++)
                {
                    cursor = (await query.ListAsync(filter, cursor)).Next ?? throw new InvalidOperationException("ran out of pages");
                }

                var deep = new List<double>();
                for (var i = 0; i < 200; i++)
                {
                    var watch = Stopwatch.StartNew();
                    await query.ListAsync(filter, cursor);
                    deep.Add(watch.Elapsed.TotalMilliseconds);
                }

                var firstMedian = Stats.Percentile(first, 50);
                Console.WriteLine($"[{name}] page 1,000 of 50: {Stats.Summary(deep)}; p50 ratio page 1,000 / page 1 = {Stats.Percentile(deep, 50) / firstMedian:0.00}");
            }

            return 0;
        }
        finally
        {
            Stats.Delete(path);
        }
    }

    private static async Task FillAsync(string connectionString, int conversations)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=OFF;";
            await pragma.ExecuteNonQueryAsync();
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        var now = new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
        await Exec(connection, transaction,
            $"INSERT INTO Channels (Name, Type, IsActive, AllowsActiveContact, PublicKey, SettingsJson, CreatedAt, KeepAliveInactivityAmount, KeepAliveInactivityUnit, KeepAliveFinalizationAmount, KeepAliveFinalizationUnit, KeepAliveEnabled) VALUES ('Bench', 'Api', 1, 0, 'bench', '{{}}', {now.Ticks}, 0, 'Minutes', 0, 'Minutes', 0);");

        var contact = Prepare(connection, transaction, "INSERT INTO Contacts (Id, Name, AttributesJson, CreatedAt) VALUES ($id, $name, '{}', $at);",
            "$id", "$name", "$at");
        var identity = Prepare(connection, transaction, "INSERT INTO ContactIdentities (Id, ContactId, ChannelId, ExternalId) VALUES ($id, $id, 1, $ext);",
            "$id", "$ext");
        var conversation = Prepare(connection, transaction,
            "INSERT INTO Conversations (Id, ChannelId, ContactId, ContactIdentityId, Status, Priority, LastActivityAt, LastCustomerMessageAt, LastMessagePreview, UnreadCount, CreatedAt, KeepAliveStage, AttributesJson) " +
            "VALUES ($id, 1, $id, $id, $status, 0, $at, $at, $preview, $unread, $at, 0, '{}');",
            "$id", "$status", "$at", "$preview", "$unread");
        var random = new Random(42);
        for (var i = 1; i <= conversations; i++)
        {
            // Activity spread over a year, some sharing a timestamp (ties broken by id); 70% open.
            var at = now.AddSeconds(-random.Next(0, 365 * 24 * 3600)).Ticks;
            contact.Parameters[0].Value = i;
            contact.Parameters[1].Value = "Contato " + i;
            contact.Parameters[2].Value = at;
            contact.ExecuteNonQuery();
            identity.Parameters[0].Value = i;
            identity.Parameters[1].Value = "ext-" + i;
            identity.ExecuteNonQuery();
            conversation.Parameters[0].Value = i;
            conversation.Parameters[1].Value = random.Next(10) switch { < 7 => 0, 7 => 1, 8 => 2, _ => 3 };
            conversation.Parameters[2].Value = at;
            conversation.Parameters[3].Value = "Olá, preciso de ajuda com o pedido " + i;
            conversation.Parameters[4].Value = random.Next(3);
            conversation.ExecuteNonQuery();
        }

        await transaction.CommitAsync();
        await Exec(connection, null, "ANALYZE;");
    }

    // The SQL EF sends for the first page and SQLite's plan for it: a regression here (a sort, a scan of the wrong table)
    // shows before the timings do.
    private static async Task PrintPlanAsync(string connectionString, string name, string sql)
    {
        Console.WriteLine($"[{name}] SQL:\n{sql}");
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        var parameters = sql.Split('\n').TakeWhile(l => l.StartsWith(".param set", StringComparison.Ordinal)).ToList();
        command.CommandText = "EXPLAIN QUERY PLAN " + string.Join('\n', sql.Split('\n').Skip(parameters.Count));
        foreach (var line in parameters)
        {
            var parts = line.Split(' ', 4);
            command.Parameters.AddWithValue(parts[2], parts[3].Trim('\''));
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"[{name}] plan: {reader.GetString(3)}");
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private static async Task Exec(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Factory(string connectionString) : IDbContextFactory<TalkToMeDbContext>
    {
        private readonly DbContextOptions<TalkToMeDbContext> _options =
            new DbContextOptionsBuilder<TalkToMeDbContext>().UseSqlite(connectionString).Options;

        public TalkToMeDbContext CreateDbContext() => new(_options);
    }
}
