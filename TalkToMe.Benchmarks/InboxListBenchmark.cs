using System.Data.Common;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using TalkToMe.Core;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

namespace TalkToMe.Benchmarks;

/// <summary>
/// InboxQuery over 1,000,000 conversations: first page p50/p99, and page 1,000 against page 1 (keyset cursor). On SQLite
/// (a temporary file) or PostgreSQL (a fresh database), with the same rows: the same seeded random sequence fills both.
/// </summary>
public static class InboxListBenchmark
{
    public static async Task<int> RunAsync(int conversations, DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        if (provider == DatabaseProvider.PostgreSql)
        {
            var database = await BenchDatabase.CreateDatabaseAsync("inbox");
            try
            {
                await BenchDatabase.PrintServerAsync(database);
                await MeasureAsync(DatabaseSettings.PostgreSql(database), conversations);
                return 0;
            }
            finally
            {
                await BenchDatabase.DropDatabaseAsync(database);
            }
        }

        var path = Stats.TempDatabase("inbox");
        try
        {
            await MeasureAsync(DatabaseSettings.Sqlite($"Data Source={path}"), conversations);
            return 0;
        }
        finally
        {
            Stats.Delete(path);
        }
    }

    private static async Task MeasureAsync(DatabaseSettings settings, int conversations)
    {
        var recorder = new CommandRecorder();
        var factory = new Factory(settings, recorder);
        await new DatabaseMigrator(factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();

        var fill = Stopwatch.StartNew();
        if (settings.Provider == DatabaseProvider.PostgreSql)
        {
            await FillPostgresAsync(settings.ConnectionString, conversations);
        }
        else
        {
            await FillAsync(settings.ConnectionString, conversations);
        }

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
            var sql = await query.FirstPageSqlAsync(filter);
            if (settings.Provider == DatabaseProvider.PostgreSql)
            {
                await PrintPostgresPlanAsync(settings.ConnectionString, name, sql);
            }
            else
            {
                await PrintPlanAsync(settings.ConnectionString, name, sql);
            }

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

            // The plan of the SQL EF sent for page 1,000 (the keyset condition is where a deep page can go wrong).
            recorder.Recording = true;
            await query.ListAsync(filter, cursor);
            recorder.Recording = false;
            await PrintRecordedPlanAsync(settings, $"{name}, page 1,000", recorder.Last!.Value);
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

    /// <summary>
    /// The same rows as <see cref="FillAsync"/> (same seeded random sequence, same ids), written with binary COPY, then
    /// VACUUM ANALYZE so the planner has statistics and the visibility map is set, as on a database that has lived a while.
    /// </summary>
    private static async Task FillPostgresAsync(string connectionString, int conversations)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var now = new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc);
        await Exec(connection,
            $$"""INSERT INTO "Channels" ("Id", "Name", "Type", "IsActive", "AllowsActiveContact", "PublicKey", "SettingsJson", "CreatedAt", "KeepAliveInactivityAmount", "KeepAliveInactivityUnit", "KeepAliveFinalizationAmount", "KeepAliveFinalizationUnit", "KeepAliveEnabled") VALUES (1, 'Bench', 'Api', TRUE, FALSE, 'bench', '{}', {{now.Ticks}}, 0, 'Minutes', 0, 'Minutes', FALSE);""");

        var at = new long[conversations + 1];
        var status = new int[conversations + 1];
        var unread = new int[conversations + 1];
        var random = new Random(42);
        for (var i = 1; i <= conversations; i++)
        {
            at[i] = now.AddSeconds(-random.Next(0, 365 * 24 * 3600)).Ticks;
            status[i] = random.Next(10) switch { < 7 => 0, 7 => 1, 8 => 2, _ => 3 };
            unread[i] = random.Next(3);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY \"Contacts\" (\"Id\", \"Name\", \"AttributesJson\", \"CreatedAt\") FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= conversations; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(i, NpgsqlDbType.Integer);
                await copy.WriteAsync("Contato " + i, NpgsqlDbType.Varchar);
                await copy.WriteAsync("{}", NpgsqlDbType.Text);
                await copy.WriteAsync(at[i], NpgsqlDbType.Bigint);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY \"ContactIdentities\" (\"Id\", \"ContactId\", \"ChannelId\", \"ExternalId\") FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= conversations; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(i, NpgsqlDbType.Integer);
                await copy.WriteAsync(i, NpgsqlDbType.Integer);
                await copy.WriteAsync(1, NpgsqlDbType.Integer);
                await copy.WriteAsync("ext-" + i, NpgsqlDbType.Varchar);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY \"Conversations\" (\"Id\", \"ChannelId\", \"ContactId\", \"ContactIdentityId\", \"Status\", \"Priority\", \"LastActivityAt\", " +
            "\"LastCustomerMessageAt\", \"LastMessagePreview\", \"UnreadCount\", \"CreatedAt\", \"KeepAliveStage\", \"AttributesJson\") FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 1; i <= conversations; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(i, NpgsqlDbType.Integer);
                await copy.WriteAsync(1, NpgsqlDbType.Integer);
                await copy.WriteAsync(i, NpgsqlDbType.Integer);
                await copy.WriteAsync(i, NpgsqlDbType.Integer);
                await copy.WriteAsync(status[i], NpgsqlDbType.Integer);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
                await copy.WriteAsync(at[i], NpgsqlDbType.Bigint);
                await copy.WriteAsync(at[i], NpgsqlDbType.Bigint);
                await copy.WriteAsync("Olá, preciso de ajuda com o pedido " + i, NpgsqlDbType.Varchar);
                await copy.WriteAsync(unread[i], NpgsqlDbType.Integer);
                await copy.WriteAsync(at[i], NpgsqlDbType.Bigint);
                await copy.WriteAsync(0, NpgsqlDbType.Integer);
                await copy.WriteAsync("{}", NpgsqlDbType.Text);
            }

            await copy.CompleteAsync();
        }

        // Identity columns written with explicit ids: move their sequences past them, as a real database would be.
        foreach (var table in new[] { "Channels", "Contacts", "ContactIdentities", "Conversations" })
        {
            await Exec(connection, $"""SELECT setval(pg_get_serial_sequence('"{table}"', 'Id'), (SELECT MAX("Id") FROM "{table}"));""");
        }

        await Exec(connection, "VACUUM (ANALYZE);");
    }

    // PostgreSQL's plan for the first page, executed (EXPLAIN ANALYZE): which index, whether a sort, how long it ran inside
    // the server. EF's ToQueryString gives the parameters as "-- @name='value'" lines before the SQL.
    private static async Task PrintPostgresPlanAsync(string connectionString, string name, string sql)
    {
        Console.WriteLine($"[{name}] SQL:\n{sql}");
        var lines = sql.Split('\n');
        var parameters = lines.TakeWhile(l => l.StartsWith("-- @", StringComparison.Ordinal)).ToList();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + string.Join('\n', lines.Skip(parameters.Count)), connection);
        foreach (var line in parameters)
        {
            // -- @status='0' (or with a type suffix such as " (DbType = Int32)")
            var text = line[4..];
            var eq = text.IndexOf('=');
            var value = text[(eq + 1)..];
            value = value[..(value.LastIndexOf('\'') + 1)].Trim('\'');
            command.Parameters.Add(new NpgsqlParameter(text[..eq], int.TryParse(value, out var number) ? number : value));
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"[{name}] plan: {reader.GetString(0)}");
        }
    }

    private static async Task Exec(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task PrintRecordedPlanAsync(DatabaseSettings settings, string name, (string Sql, (string Name, object? Value)[] Parameters) recorded)
    {
        var postgres = settings.Provider == DatabaseProvider.PostgreSql;
        await using DbConnection connection = postgres ? new NpgsqlConnection(settings.ConnectionString) : new SqliteConnection(settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = (postgres ? "EXPLAIN (ANALYZE, BUFFERS) " : "EXPLAIN QUERY PLAN ") + recorded.Sql;
        foreach (var (parameterName, value) in recorded.Parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = parameterName;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"[{name}] plan: {reader.GetString(postgres ? 0 : 3)}");
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

    private sealed class Factory(DatabaseSettings settings, CommandRecorder recorder) : IDbContextFactory<TalkToMeDbContext>
    {
        private readonly DbContextOptions<TalkToMeDbContext> _options = Build(settings, recorder);

        public TalkToMeDbContext CreateDbContext() => new(_options);

        private static DbContextOptions<TalkToMeDbContext> Build(DatabaseSettings settings, CommandRecorder recorder)
        {
            var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
            settings.Configure(options);
            options.AddInterceptors(recorder);
            return options.Options;
        }
    }

    /// <summary>Keeps the text and parameters of the query EF sends while <see cref="Recording"/> is on (off while timing).</summary>
    private sealed class CommandRecorder : DbCommandInterceptor
    {
        public bool Recording { get; set; }

        public (string Sql, (string Name, object? Value)[] Parameters)? Last { get; private set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Recording)
            {
                Last = (command.CommandText, command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToArray());
            }

            return ValueTask.FromResult(result);
        }
    }
}
