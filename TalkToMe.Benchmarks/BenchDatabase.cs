using Npgsql;
using TalkToMe.Core.Data;

namespace TalkToMe.Benchmarks;

/// <summary>
/// The engine a benchmark runs on (SQLite by default; a trailing <c>postgres</c> or <c>--provider PostgreSql</c> picks
/// PostgreSQL) and, on PostgreSQL, a fresh database per run on the server named by TALKTOME_BENCH_POSTGRES (or
/// TALKTOME_TEST_POSTGRES, which <c>tools/test-postgres.sh run -- …</c> exports), dropped afterwards.
/// Shared by TalkToMe.Benchmarks and TalkToMe.Benchmarks.KeepAlive (linked source).
/// </summary>
public static class BenchDatabase
{
    public const string ServerVariable = "TALKTOME_BENCH_POSTGRES";
    public const string TestServerVariable = "TALKTOME_TEST_POSTGRES";

    /// <summary>Takes the provider out of the arguments: <c>postgres</c>, <c>postgresql</c>, <c>sqlite</c>, <c>--provider X</c> or <c>--provider=X</c>.</summary>
    public static (DatabaseProvider Provider, string[] Remaining) ParseProvider(string[] args)
    {
        var provider = DatabaseProvider.Sqlite;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? name = null;
            if (arg is "--provider" && i + 1 < args.Length)
            {
                name = args[++i];
            }
            else if (arg.StartsWith("--provider=", StringComparison.Ordinal))
            {
                name = arg["--provider=".Length..];
            }
            else if (arg.Equals("postgres", StringComparison.OrdinalIgnoreCase) || arg.Equals("postgresql", StringComparison.OrdinalIgnoreCase)
                || arg.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
            {
                name = arg;
            }

            if (name is null)
            {
                rest.Add(arg);
                continue;
            }

            provider = name.ToLowerInvariant() switch
            {
                "postgres" or "postgresql" => DatabaseProvider.PostgreSql,
                "sqlite" => DatabaseProvider.Sqlite,
                _ => throw new ArgumentException($"unknown provider \"{name}\": use Sqlite or PostgreSql"),
            };
        }

        return (provider, rest.ToArray());
    }

    /// <summary>The server the benchmark may CREATE and DROP databases on.</summary>
    public static string Server =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable(TestServerVariable) is { Length: > 0 } test ? test
        : throw new InvalidOperationException(
            $"PostgreSQL benchmarks need {ServerVariable} (an Npgsql connection string to a server where they may CREATE/DROP " +
            $"DATABASE), or run them under tools/test-postgres.sh, which starts a private server and sets {TestServerVariable}: " +
            "TALKTOME_PG_DURABLE=1 bash tools/test-postgres.sh run -- dotnet run -c Release --no-build --project TalkToMe.Benchmarks -- ingest 20 32 postgres");

    /// <summary>
    /// Extra connection-string settings for every benchmark database, from TALKTOME_BENCH_PG_OPTIONS (e.g.
    /// "Max Auto Prepare=20"), so a setting can be compared without a rebuild. Empty by default: the app's own defaults.
    /// </summary>
    public static string ExtraOptions => Environment.GetEnvironmentVariable("TALKTOME_BENCH_PG_OPTIONS") ?? "";

    /// <summary>A new, empty database; its connection string (the server's, with Database set and <see cref="ExtraOptions"/> applied).</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"ttm_bench_{purpose}_{Guid.NewGuid():N}"; // purposes are short: well under 63 characters
        await ExecuteOnServerAsync($"CREATE DATABASE \"{name}\"");
        var builder = new NpgsqlConnectionStringBuilder(Server) { Database = name };
        if (ExtraOptions.Length > 0)
        {
            foreach (var pair in new NpgsqlConnectionStringBuilder(ExtraOptions))
            {
                builder[pair.Key] = pair.Value;
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>A database kept between runs (TALKTOME_BENCH_KEEP=1): created when missing, never dropped here.</summary>
    public static async Task<string> OpenOrCreateDatabaseAsync(string purpose)
    {
        var name = $"ttm_bench_{purpose}";
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", name);
            if ((long)(await exists.ExecuteScalarAsync())! == 0)
            {
                await ExecuteOnServerAsync($"CREATE DATABASE \"{name}\"");
            }
        }

        var builder = new NpgsqlConnectionStringBuilder(Server) { Database = name };
        if (ExtraOptions.Length > 0)
        {
            foreach (var pair in new NpgsqlConnectionStringBuilder(ExtraOptions))
            {
                builder[pair.Key] = pair.Value;
            }
        }

        return builder.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        using (var probe = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(probe);
        }

        await ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{builder.Database}\" WITH (FORCE)");
    }

    /// <summary>Prints the server's version and the settings that decide write and read costs.</summary>
    public static async Task PrintServerAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
                   current_setting('full_page_writes'), current_setting('wal_sync_method'), current_setting('shared_buffers'),
                   current_setting('max_connections'), current_setting('jit')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        // As the app opens it: DatabaseSettings adds its defaults (automatic preparation) to the connection string.
        var builder = new NpgsqlConnectionStringBuilder(TalkToMe.Core.Data.DatabaseSettings.PostgreSql(connectionString).ConnectionString);
        Console.WriteLine($"PostgreSQL {reader.GetString(0)} on {builder.Host}:{builder.Port}: fsync={reader.GetString(1)}, " +
            $"synchronous_commit={reader.GetString(2)}, full_page_writes={reader.GetString(3)}, wal_sync_method={reader.GetString(4)}, " +
            $"shared_buffers={reader.GetString(5)}, max_connections={reader.GetString(6)}, jit={reader.GetString(7)}; " +
            $"Npgsql Max Auto Prepare={builder.MaxAutoPrepare}, pool max={builder.MaxPoolSize}");
    }

    private static async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
