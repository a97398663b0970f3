using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Benchmarks;

/// <summary>
/// Inbound API ingest through the real HTTP endpoint (the app hosted in this process on 127.0.0.1, concurrent HttpClient
/// senders), against a raw insert loop of the same engine measured in the same run: SQLite (WAL, one row per
/// transaction) or PostgreSQL (Npgsql, one row per transaction, in a fresh database of the same server).
/// </summary>
public static class IngestBenchmark
{
    public static async Task<int> RunAsync(int seconds, int senders, DatabaseProvider provider = DatabaseProvider.Sqlite)
    {
        string? path = null;
        string? postgres = null;
        string? dataFolder = null;
        try
        {
            string[] databaseArgs;
            double rawRate;
            if (provider == DatabaseProvider.PostgreSql)
            {
                rawRate = await RawPostgresInsertRateAsync(TimeSpan.FromSeconds(5));
                Console.WriteLine($"raw PostgreSQL insert loop (Npgsql, prepared, one row per transaction): {rawRate:N0} rows/s");
                postgres = await BenchDatabase.CreateDatabaseAsync("ingest");
                await BenchDatabase.PrintServerAsync(postgres);
                // The app's data folder on PostgreSQL (the keys are in the database): a temporary one, not the web project's App_Data.
                dataFolder = Directory.CreateTempSubdirectory("talktome-bench-keys-").FullName;
                databaseArgs =
                [
                    "--TalkToMe:Database:Provider=PostgreSql",
                    $"--ConnectionStrings:TalkToMe={postgres}",
                    $"--TalkToMe:DataFolder={dataFolder}",
                ];
            }
            else
            {
                rawRate = await RawInsertRateAsync(TimeSpan.FromSeconds(5));
                Console.WriteLine($"raw SQLite insert loop (WAL, one row per transaction): {rawRate:N0} rows/s");
                path = Stats.TempDatabase("ingest");
                databaseArgs = [$"--ConnectionStrings:TalkToMe=Data Source={path}"];
            }

            var app = BuildApp(databaseArgs);
            await app.StartAsync();
            if (path is not null)
            {
                await PrintSqliteSettingsAsync(app.Services.GetRequiredService<DatabaseSettings>().ConnectionString);
            }

            var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

            var token = Secrets.NewToken("ttmch");
            int channelId;
            await using (var db = await app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
            {
                var channel = new Channel("Bench API", ChannelType.Api, Secrets.NewKey(), DateTime.UtcNow);
                channel.SetApiTokenHash(Secrets.Hash(token));
                db.Channels.Add(channel);
                await db.SaveChangesAsync();
                channelId = channel.Id;
            }

            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = senders * 2 })
            {
                BaseAddress = new Uri(baseUrl),
            };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            await LoadAsync(client, channelId, senders, TimeSpan.FromSeconds(3), "warmup");
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var (rate, latencies, errors) = await LoadAsync(client, channelId, senders, TimeSpan.FromSeconds(seconds), "run");
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            Console.WriteLine($"ingest via POST /api/v1/channels/{{id}}/messages, {senders} concurrent senders, {seconds} s: " +
                $"{rate:N0} messages/s; acknowledgement {Stats.Summary(latencies)}; errors={errors}");
            Console.WriteLine($"ratio ingest / raw insert loop = {rate / rawRate:0.00}");
            // CPU spent by this process (server and client together) per accepted message: less sensitive to a busy machine than the rate.
            Console.WriteLine($"process CPU per message (server + client) = {cpu.TotalMilliseconds / Math.Max(1, latencies.Count):0.000} ms");
            await app.StopAsync();
            await app.DisposeAsync();
            return 0;
        }
        finally
        {
            if (path is not null)
            {
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

    /// <summary>What a new connection of the app gets: the journal mode (stored in the file) and the synchronous level.</summary>
    private static async Task PrintSqliteSettingsAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode; PRAGMA synchronous;";
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var journal = reader.GetString(0);
        await reader.NextResultAsync();
        await reader.ReadAsync();
        var synchronous = reader.GetInt32(0);
        Console.WriteLine($"SQLite {connection.ServerVersion}: journal_mode={journal}, synchronous={synchronous} " +
            $"({synchronous switch { 0 => "OFF", 1 => "NORMAL", 2 => "FULL", 3 => "EXTRA", _ => "?" }})");
    }

    private static int _sequence;

    private static async Task<(double Rate, List<double> Latencies, int Errors)> LoadAsync(HttpClient client, int channelId, int senders,
        TimeSpan duration, string phase)
    {
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var stop = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, senders).Select(async sender =>
        {
            while (stop.Elapsed < duration)
            {
                var n = Interlocked.Increment(ref _sequence);
                var body = $$"""{"contact":{"id":"cliente-{{n % 1000}}","name":"Cliente {{n % 1000}}"},"text":"Mensagem {{n}} do {{phase}}","id":"{{phase}}-{{n}}"}""";
                var watch = Stopwatch.StartNew();
                using var response = await client.PostAsync($"/api/v1/channels/{channelId}/messages",
                    new StringContent(body, Encoding.UTF8, "application/json"));
                var elapsed = watch.Elapsed.TotalMilliseconds;
                if ((int)response.StatusCode == 202)
                {
                    latencies.Add(elapsed);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }).ToList();
        await Task.WhenAll(tasks);
        var elapsedSeconds = stop.Elapsed.TotalSeconds;
        return (latencies.Count / elapsedSeconds, latencies.ToList(), errors);
    }

    private static async Task<double> RawInsertRateAsync(TimeSpan duration)
    {
        var path = Stats.TempDatabase("raw");
        try
        {
            await using var connection = new SqliteConnection(DependencyInjection.NormalizeConnectionString($"Data Source={path}"));
            await connection.OpenAsync();
            await using (var setup = connection.CreateCommand())
            {
                setup.CommandText = """
                    PRAGMA journal_mode=WAL;
                    CREATE TABLE Messages (Id INTEGER PRIMARY KEY AUTOINCREMENT, ConversationId INTEGER NOT NULL, ChannelId INTEGER NOT NULL,
                        Direction INTEGER NOT NULL, Content TEXT NOT NULL, ExternalId TEXT NULL, CreatedAt INTEGER NOT NULL);
                    CREATE UNIQUE INDEX IX_Messages_ExternalId ON Messages (ChannelId, Direction, ExternalId) WHERE ExternalId IS NOT NULL;
                    """;
                await setup.ExecuteNonQueryAsync();
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO Messages (ConversationId, ChannelId, Direction, Content, ExternalId, CreatedAt) VALUES (1, 1, 0, $c, $e, $t);";
            var content = insert.Parameters.Add("$c", SqliteType.Text);
            var external = insert.Parameters.Add("$e", SqliteType.Text);
            var at = insert.Parameters.Add("$t", SqliteType.Integer);
            var rows = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < duration)
            {
                await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
                insert.Transaction = transaction;
                content.Value = "Mensagem " + rows;
                external.Value = "raw-" + rows;
                at.Value = DateTime.UtcNow.Ticks;
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
                rows++;
            }

            return rows / watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Stats.Delete(path);
        }
    }

    /// <summary>
    /// The SQLite loop's twin on PostgreSQL: the same table shape and unique index in a fresh database, one prepared
    /// INSERT per transaction (BEGIN, INSERT, COMMIT) on one connection, as fast as it goes.
    /// </summary>
    private static async Task<double> RawPostgresInsertRateAsync(TimeSpan duration)
    {
        var database = await BenchDatabase.CreateDatabaseAsync("raw");
        try
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using (var setup = connection.CreateCommand())
            {
                setup.CommandText = """
                    CREATE TABLE "Messages" ("Id" bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "ConversationId" integer NOT NULL,
                        "ChannelId" integer NOT NULL, "Direction" integer NOT NULL, "Content" text NOT NULL, "ExternalId" character varying(200) NULL,
                        "CreatedAt" bigint NOT NULL);
                    CREATE UNIQUE INDEX "IX_Messages_ExternalId" ON "Messages" ("ChannelId", "Direction", "ExternalId") WHERE "ExternalId" IS NOT NULL;
                    """;
                await setup.ExecuteNonQueryAsync();
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = """INSERT INTO "Messages" ("ConversationId", "ChannelId", "Direction", "Content", "ExternalId", "CreatedAt") VALUES (1, 1, 0, @c, @e, @t);""";
            var content = insert.Parameters.Add("c", NpgsqlDbType.Text);
            var external = insert.Parameters.Add("e", NpgsqlDbType.Varchar);
            var at = insert.Parameters.Add("t", NpgsqlDbType.Bigint);
            await insert.PrepareAsync();
            var rows = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < duration)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                insert.Transaction = transaction;
                content.Value = "Mensagem " + rows;
                external.Value = "raw-" + rows;
                at.Value = DateTime.UtcNow.Ticks;
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
                rows++;
            }

            return rows / watch.Elapsed.TotalSeconds;
        }
        finally
        {
            await BenchDatabase.DropDatabaseAsync(database);
        }
    }

    /// <summary>The app hosted in the benchmark's process on a free port, on the given database, without demo data.</summary>
    internal static Microsoft.AspNetCore.Builder.WebApplication BuildApp(string[] databaseArgs) => TalkToMeApp.Build(
    [
        "--urls=http://127.0.0.1:0",
        "--environment=Development",
        $"--contentRoot={WebProjectDirectory()}",
        .. databaseArgs,
        "--TalkToMe:SeedDemoData=false",
        "--TalkToMe:Admin:Email=admin@bench.local",
        "--TalkToMe:Admin:Password=Bench!2026xx",
        "--Logging:LogLevel:Default=Warning",
    ]);

    internal static string WebProjectDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TalkToMe.sln")))
                {
                    return Path.Combine(dir.FullName, "TalkToMe.Web");
                }
            }
        }

        throw new InvalidOperationException("Run from inside the TalkToMe repository (TalkToMe.sln not found).");
    }
}
