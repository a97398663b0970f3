using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core;
using TalkToMe.Core.Data;

namespace TalkToMe.Tests.Support;

/// <summary>A real SQLite database file built from the migrations, deleted afterwards.</summary>
public sealed class SqliteTestDatabase : IAsyncDisposable
{
    private SqliteTestDatabase(string path)
    {
        Path = path;
        ConnectionString = DependencyInjection.NormalizeConnectionString($"Data Source={path}");
        Factory = new TestDbContextFactory(ConnectionString);
    }

    public string Path { get; }
    public string ConnectionString { get; }
    public IDbContextFactory<TalkToMeDbContext> Factory { get; }

    public static async Task<SqliteTestDatabase> CreateAsync()
    {
        var database = new SqliteTestDatabase(TempPath());
        await new DatabaseMigrator(database.Factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        return database;
    }

    /// <summary>A database as the SQL-file migrator left it (the first <paramref name="scripts"/> of its scripts, or all).</summary>
    public static async Task<SqliteTestDatabase> CreateFromLegacySqlAsync(int? scripts = null)
    {
        var database = new SqliteTestDatabase(TempPath());
        await LegacySqlDatabase.ApplyAsync(database.ConnectionString, scripts);
        return database;
    }

    /// <summary>A database EF creates straight from the model, bypassing the migrations (for the schema comparison).</summary>
    public static async Task<SqliteTestDatabase> CreateFromModelAsync()
    {
        var database = new SqliteTestDatabase(TempPath());
        await using var db = await database.Factory.CreateDbContextAsync();
        await db.Database.EnsureCreatedAsync();
        return database;
    }

    public TalkToMeDbContext NewContext() => Factory.CreateDbContext();

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }

        return ValueTask.CompletedTask;
    }

    public static string TempPath() =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"talktome-test-{Guid.NewGuid():N}.db");

    private sealed class TestDbContextFactory(string connectionString) : IDbContextFactory<TalkToMeDbContext>
    {
        private readonly DbContextOptions<TalkToMeDbContext> _options =
            new DbContextOptionsBuilder<TalkToMeDbContext>().UseSqlite(connectionString).Options;

        public TalkToMeDbContext CreateDbContext() => new(_options);
    }
}
