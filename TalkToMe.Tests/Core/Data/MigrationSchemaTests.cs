using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Data;

public class MigrationSchemaTests
{
    [Fact]
    public async Task Model_HasNoChangesThatNoMigrationCovers()
    {
        // No database: MigrateAsync itself refuses to run with pending model changes, which would hide this message.
        await using var db = new TalkToMeDbContext(new DbContextOptionsBuilder<TalkToMeDbContext>()
            .UseSqlite("Data Source=:memory:").Options);

        Assert.False(db.Database.HasPendingModelChanges(),
            "The EF model changed but no migration covers it. Add one: `dotnet tool restore`, then " +
            "`dotnet ef migrations add <Name> --project TalkToMe.Core --output-dir Data/Sqlite/Migrations`.");
    }

    [Fact]
    public async Task Migrations_BuildExactlyTheSchemaTheModelDescribes()
    {
        await using var migrated = await TestDatabase.CreateSqliteAsync();
        await using var fromModel = await TestDatabase.CreateFromModelAsync();

        AssertSameSchema(Describe(fromModel.ConnectionString), Describe(migrated.ConnectionString),
            "The EF migrations and the EF model differ");
    }

    [Fact]
    public async Task Migrations_FreshDatabase_BuildTheSchemaTheLegacySqlScriptsBuilt()
    {
        // InitialCreate is recorded without being run on every database the SQL scripts made: it must be their sum.
        // Later migrations change the schema further (and run on upgraded databases too), so compare at InitialCreate.
        await using var legacy = await TestDatabase.CreateFromLegacySqlAsync();
        var path = TestDatabase.TempPath();
        var connectionString = $"Data Source={path};Pooling=False";
        try
        {
            await using (var db = new TalkToMeDbContext(new DbContextOptionsBuilder<TalkToMeDbContext>().UseSqlite(connectionString).Options))
            {
                await db.GetService<IMigrator>().MigrateAsync(DatabaseMigrator.InitialMigrationId);
            }

            AssertSameSchema(Describe(legacy.ConnectionString), Describe(connectionString),
                "InitialCreate and the legacy SQL scripts build different schemas");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Migrate_Twice_AppliesEachMigrationOnce()
    {
        await using var database = await TestDatabase.CreateSqliteAsync();
        var migrator = new DatabaseMigrator(database.Factory, NullLogger<DatabaseMigrator>.Instance);

        var second = await migrator.MigrateAsync();

        Assert.Empty(second);
        await using var db = database.NewContext();
        Assert.Equal(0, await db.Conversations.CountAsync());
    }

    [Fact]
    public async Task Migrate_TurnsOnWriteAheadLogging()
    {
        await using var database = await TestDatabase.CreateSqliteAsync();
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Schema_HasTheInboxAndKeepAliveIndexes()
    {
        await using var database = await TestDatabase.CreateSqliteAsync();
        var schema = Describe(database.ConnectionString);

        Assert.Contains(schema, s => s.StartsWith("index Conversations.IX_Conversations_Inbox ")
            && s.Contains("cols=Status asc,LastActivityAt desc,Id desc"));
        Assert.Contains(schema, s => s.StartsWith("index Conversations.IX_Conversations_KeepAliveDue ") && s.Contains("where=\"KeepAliveDueAt\" IS NOT NULL"));
    }

    private static void AssertSameSchema(SortedSet<string> expected, SortedSet<string> actual, string what)
    {
        Assert.NotEmpty(expected);
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{what}.\nMissing:\n  {string.Join("\n  ", missing)}\nExtra:\n  {string.Join("\n  ", extra)}");
    }

    /// <summary>
    /// Every table's columns, indexes and foreign keys as comparable lines; the migration bookkeeping tables (the SQL
    /// migrator's history, EF's history and EF's migration lock) and the full-text index are left out, since they differ
    /// by design.
    /// </summary>
    internal static SortedSet<string> Describe(string connectionString)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        var tables = Query(connection,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' " +
            "AND name NOT IN ('__TalkToMeMigrations', '__EFMigrationsHistory', '__EFMigrationsLock') " +
            // The full-text indexes (FTS5 tables and their shadow tables) live outside EF's model; InboxQueryTests cover them.
            "AND name NOT LIKE 'MessageSearch%' AND name NOT LIKE 'ContactSearch%'")
            .Select(r => (string)r[0]!).ToList();
        foreach (var table in tables)
        {
            lines.Add($"table {table}");
            foreach (var c in Query(connection, $"PRAGMA table_info(\"{table}\")"))
            {
                lines.Add($"column {table}.{c[1]} type={c[2]} notnull={c[3]} default={c[4]} pk={c[5]}");
            }

            foreach (var fk in Query(connection, $"PRAGMA foreign_key_list(\"{table}\")"))
            {
                lines.Add($"fk {table}.{fk[3]} -> {fk[2]}.{fk[4]} on_delete={fk[6]}");
            }

            foreach (var index in Query(connection, $"PRAGMA index_list(\"{table}\")"))
            {
                var name = (string)index[1]!;
                var columns = Query(connection, $"PRAGMA index_xinfo(\"{name}\")")
                    .Where(x => Convert.ToInt64(x[5]) == 1)
                    .OrderBy(x => Convert.ToInt64(x[0]))
                    .Select(x => $"{x[2]} {(Convert.ToInt64(x[3]) == 1 ? "desc" : "asc")}");
                var where = Query(connection, $"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '{name}'")
                    .Select(r => r[0] as string).FirstOrDefault();
                var filter = where is not null && where.Contains(" WHERE ", StringComparison.Ordinal)
                    ? where[(where.IndexOf(" WHERE ", StringComparison.Ordinal) + 7)..]
                    : null;
                var origin = (string)index[3]!;
                var label = origin == "c" ? name : $"({origin}:{string.Join(",", columns)})";
                lines.Add($"index {table}.{label} unique={index[2]} partial={index[4]} cols={string.Join(",", columns)}"
                    + (filter is null ? "" : $" where={filter}"));
            }
        }

        return lines;
    }

    private static List<object?[]> Query(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
