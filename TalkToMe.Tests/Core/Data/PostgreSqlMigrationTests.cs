using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Data;

/// <summary>The PostgreSQL migration set (TalkToMe.Data.PostgreSql), on the test script's private server.</summary>
public class PostgreSqlMigrationTests
{
    [Fact]
    public async Task Model_HasNoChangesThatNoPostgreSqlMigrationCovers()
    {
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        DatabaseSettings.PostgreSql("Host=localhost;Database=unused").Configure(options);
        await using var db = new TalkToMeDbContext(options.Options);

        Assert.False(db.Database.HasPendingModelChanges(),
            "The EF model changed but no PostgreSQL migration covers it. Add one: `dotnet tool restore`, then " +
            "`cd TalkToMe.Data.PostgreSql && dotnet ef migrations add <Name> --output-dir Migrations --namespace TalkToMe.Data.PostgreSql.Migrations`.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public async Task Migrate_BuildsTheSchemaWithTheInboxAndKeepAliveIndexes_AndTwiceAppliesNothing()
    {
        var connectionString = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
            DatabaseSettings.PostgreSql(connectionString).Configure(options);
            var migrator = new DatabaseMigrator(new Factory(options.Options), NullLogger<DatabaseMigrator>.Instance);

            var first = await migrator.MigrateAsync();
            var second = await migrator.MigrateAsync();

            await using var db = new TalkToMeDbContext(options.Options);
            Assert.Equal(db.Database.GetMigrations(), first);
            Assert.Empty(second);
            var indexes = await IndexesAsync(connectionString);
            // The inbox index carries the channel and the contact, so a search picks its page from the index alone.
            Assert.Contains(indexes, i => i.Contains("\"IX_Conversations_Inbox\"")
                && i.Contains("(\"Status\", \"LastActivityAt\" DESC, \"Id\" DESC) INCLUDE (\"ChannelId\", \"ContactId\")"));
            Assert.Contains(indexes, i => i.Contains("\"IX_Conversations_KeepAliveDue\"") && i.Contains("WHERE (\"KeepAliveDueAt\" IS NOT NULL)"));
            Assert.Contains(indexes, i => i.Contains("UNIQUE") && i.Contains("\"Messages\"") && i.Contains("\"ExternalId\""));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task<List<string>> IndexesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var indexes = new List<string>();
        while (await reader.ReadAsync())
        {
            indexes.Add(reader.GetString(0));
        }

        return indexes;
    }

    private sealed class Factory(DbContextOptions<TalkToMeDbContext> options) : IDbContextFactory<TalkToMeDbContext>
    {
        public TalkToMeDbContext CreateDbContext() => new(options);
    }
}
