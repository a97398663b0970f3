using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Data.Sqlite.Migrations;

namespace TalkToMe.Core.Data;

/// <summary>
/// Brings the database up to the model with EF Core's migrations: Data/Sqlite/Migrations in Core, or the PostgreSQL set
/// in TalkToMe.Data.PostgreSql. A SQLite database made by the hand-written SQL migrations that came before them
/// already has InitialCreate's schema, so it is baselined first: InitialCreate is recorded as applied instead of being
/// run against tables that exist.
/// </summary>
public sealed class DatabaseMigrator(IDbContextFactory<TalkToMeDbContext> factory, ILogger<DatabaseMigrator> logger)
{
    /// <summary>Where the SQL-file migrator recorded its scripts; kept after the baseline, never written again.</summary>
    public const string LegacyHistoryTable = "__TalkToMeMigrations";

    /// <summary>
    /// The scripts the SQL-file migrator ran, up to the last one it ever had. InitialCreate equals their sum, so a
    /// database that lacks one of them is not InitialCreate's schema and must not be baselined.
    /// </summary>
    public static readonly IReadOnlyList<string> LegacyScripts = ["0001_Initial", "0007_EmailSubject", "0008_WhatsAppTemplates"];

    public static string InitialMigrationId { get; } = typeof(InitialCreate).GetCustomAttribute<MigrationAttribute>()!.Id;

    /// <summary>Migrates the database and returns the ids of the migrations it ran (none when it was up to date).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            if (db.Database.GetDbConnection() is SqliteConnection connection)
            {
                // WAL lets the inbox read while webhooks write; the mode is stored in the file, so once is enough. It
                // cannot change inside a transaction, so it goes before the migrations' one.
                await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);

                // Only SQLite databases predate EF's migrations; PostgreSQL came with its own migration set.
                await BaselineLegacyDatabaseAsync(db, connection, cancellationToken);
            }

            // On a new database the history table does not exist yet, and reading it would log a failed query first.
            await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            foreach (var id in pending)
            {
                logger.LogInformation("Applied database migration {Migration}", id);
            }

            return pending;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task BaselineLegacyDatabaseAsync(TalkToMeDbContext db, SqliteConnection connection,
        CancellationToken cancellationToken)
    {
        var history = db.GetService<IHistoryRepository>();
        if (!await TableExistsAsync(connection, null, LegacyHistoryTable, cancellationToken)
            || await TableExistsAsync(connection, null, HistoryTableName(db), cancellationToken))
        {
            return;
        }

        // Immediate (Microsoft.Data.Sqlite's default): a second instance starting on the same file waits here and then
        // sees the history table the first one made, instead of both baselining.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        if (await TableExistsAsync(connection, transaction, HistoryTableName(db), cancellationToken))
        {
            return;
        }

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT \"Id\" FROM \"{LegacyHistoryTable}\";";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }

        var missing = LegacyScripts.Where(s => !applied.Contains(s)).ToList();
        if (missing.Count > 0)
        {
            throw new DatabaseUpgradeException(
                $"The database was made by an older TalkToMe whose SQL migrations did not all run (missing: " +
                $"{string.Join(", ", missing)}; recorded in {LegacyHistoryTable}). Start the last release that used " +
                "SQL migrations on it once to finish them, then start this version.");
        }

        await ExecuteAsync(connection, history.GetCreateIfNotExistsScript(), cancellationToken, transaction);
        await ExecuteAsync(connection, history.GetInsertScript(new HistoryRow(InitialMigrationId, ProductInfo.GetVersion())),
            cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation(
            "Database made by the SQL migrations ({Scripts}): recorded {Migration} as applied without running it",
            string.Join(", ", LegacyScripts), InitialMigrationId);
    }

    private static string HistoryTableName(TalkToMeDbContext db) =>
        db.GetService<IDbContextOptions>().Extensions.OfType<RelationalOptionsExtension>().FirstOrDefault()
            ?.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName;

    private static async Task<bool> TableExistsAsync(SqliteConnection connection, SqliteTransaction? transaction, string table,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name;";
        command.Parameters.AddWithValue("$name", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) > 0;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken,
        SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
