using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TalkToMe.Core;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Tests.Support;

/// <summary>
/// A real database built from the migrations, dropped afterwards: a SQLite file, or — when the test script's
/// PostgreSQL pass sets TALKTOME_TEST_PROVIDER=PostgreSql — a new database on the script's private PostgreSQL server.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(DatabaseSettings settings, string? path)
    {
        Settings = settings;
        Path = path;
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        settings.Configure(options);
        Factory = new TestDbContextFactory(options.Options);
        Gate = WriteGate.For(settings.Provider);
    }

    public DatabaseSettings Settings { get; }
    public DatabaseProvider Provider => Settings.Provider;
    public string ConnectionString => Settings.ConnectionString;

    /// <summary>The SQLite file (null on PostgreSQL).</summary>
    public string? Path { get; }

    public IDbContextFactory<TalkToMeDbContext> Factory { get; }

    /// <summary>The writers' gate of this database, shared by every service a test builds on it, as the app's singleton is.</summary>
    public WriteGate Gate { get; }

    /// <summary>Units of work on this database that publish to <paramref name="events"/> and wake the given signals (fresh ones if none).</summary>
    public UnitOfWorkFactory Units(InboxEventHub events, OutboxSignal? outbox = null, KeepAliveSignal? keepAlive = null,
        SnoozeSignal? snooze = null, ProfileLookupSignal? profileLookups = null) =>
        new(Factory, Gate, events, outbox ?? new OutboxSignal(), keepAlive ?? new KeepAliveSignal(), snooze ?? new SnoozeSignal(),
            profileLookups ?? new ProfileLookupSignal(), new TalkToMe.Core.Media.MediaSignal());

    /// <summary>Units of work on this database for a test that listens to no event (the admin services).</summary>
    public UnitOfWorkFactory Units() => Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance));

    /// <summary>A migrated database on the provider this test run uses.</summary>
    public static async Task<TestDatabase> CreateAsync()
    {
        if (TestPostgres.Enabled)
        {
            return new TestDatabase(DatabaseSettings.PostgreSql(await TestPostgres.CreateMigratedDatabaseAsync()), null);
        }

        return await CreateSqliteAsync();
    }

    /// <summary>A migrated database on the test script's PostgreSQL server whatever the run's provider (PostgreSQL's own
    /// behaviour: row locks between writers).</summary>
    public static async Task<TestDatabase> CreatePostgreSqlAsync() =>
        new(DatabaseSettings.PostgreSql(await TestPostgres.CreateMigratedDatabaseAsync()), null);

    /// <summary>A migrated SQLite database whatever the run's provider (the tests of SQLite's own migrations).</summary>
    public static async Task<TestDatabase> CreateSqliteAsync()
    {
        var database = Sqlite(TempPath());
        await new DatabaseMigrator(database.Factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        return database;
    }

    /// <summary>A SQLite database as the SQL-file migrator left it (the first <paramref name="scripts"/> of its scripts, or all).</summary>
    public static async Task<TestDatabase> CreateFromLegacySqlAsync(int? scripts = null)
    {
        var database = Sqlite(TempPath());
        await LegacySqlDatabase.ApplyAsync(database.ConnectionString, scripts);
        return database;
    }

    /// <summary>A SQLite database EF creates straight from the model, bypassing the migrations (for the schema comparison).</summary>
    public static async Task<TestDatabase> CreateFromModelAsync()
    {
        var database = Sqlite(TempPath());
        await using var db = await database.Factory.CreateDbContextAsync();
        await db.Database.EnsureCreatedAsync();
        return database;
    }

    public TalkToMeDbContext NewContext() => Factory.CreateDbContext();

    public async ValueTask DisposeAsync()
    {
        if (Provider == DatabaseProvider.PostgreSql)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
            return;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
    }

    public static string TempPath() =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"talktome-test-{Guid.NewGuid():N}.db");

    private static TestDatabase Sqlite(string path) =>
        new(DatabaseSettings.Sqlite($"Data Source={path}"), path);

    private sealed class TestDbContextFactory(DbContextOptions<TalkToMeDbContext> options) : IDbContextFactory<TalkToMeDbContext>
    {
        public TalkToMeDbContext CreateDbContext() => new(options);
    }
}

/// <summary>
/// The private PostgreSQL server the test script starts (tools/test-postgres.sh) and names in TALKTOME_TEST_POSTGRES.
/// Each test gets its own database: a copy of a template migrated once per run (CREATE DATABASE … TEMPLATE), or an
/// empty one for an app that migrates it itself.
/// </summary>
public static class TestPostgres
{
    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    /// <summary>True in the test script's PostgreSQL pass.</summary>
    public static bool Enabled =>
        string.Equals(Environment.GetEnvironmentVariable("TALKTOME_TEST_PROVIDER"), "PostgreSql", StringComparison.OrdinalIgnoreCase);

    /// <summary>The server's connection string, for tests that run on PostgreSQL in every pass (the "no pending changes" check).</summary>
    public static string? Server => Environment.GetEnvironmentVariable("TALKTOME_TEST_POSTGRES") is { Length: > 0 } server ? server : null;

    private static string RequiredServer => Server ?? throw new InvalidOperationException(
        "The PostgreSQL tests need TALKTOME_TEST_POSTGRES (an Npgsql connection string to a server they may create databases on): run ./test.sh, which starts a private one.");

    public static async Task<string> CreateEmptyDatabaseAsync() => await CreateDatabaseAsync(template: null);

    public static async Task<string> CreateMigratedDatabaseAsync()
    {
        await TemplateGate.WaitAsync();
        try
        {
            if (_template is null)
            {
                var template = await CreateDatabaseAsync(template: null);
                var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
                DatabaseSettings.PostgreSql(template).Configure(options);
                await new DatabaseMigrator(new OneOptionsFactory(options.Options), NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
                // A template cannot have open connections while it is copied.
                NpgsqlConnection.ClearAllPools();
                _template = new NpgsqlConnectionStringBuilder(template).Database;
            }
        }
        finally
        {
            TemplateGate.Release();
        }

        return await CreateDatabaseAsync(_template);
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        using (var probe = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(probe);
        }

        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static async Task<string> CreateDatabaseAsync(string? template)
    {
        var name = $"ttm_{Guid.NewGuid():N}";
        await ExecuteAsync(template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return new NpgsqlConnectionStringBuilder(RequiredServer) { Database = name }.ConnectionString;
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(RequiredServer) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class OneOptionsFactory(DbContextOptions<TalkToMeDbContext> options) : IDbContextFactory<TalkToMeDbContext>
    {
        public TalkToMeDbContext CreateDbContext() => new(options);
    }
}
