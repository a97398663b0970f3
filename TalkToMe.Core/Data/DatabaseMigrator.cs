using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Core.Data;

/// <summary>
/// Applies the hand-written SQL migrations embedded under Data/Migrations, in name order, each once, each in its
/// own transaction. (EF's migration scaffolding needs a design-time package this project cannot restore; a test
/// proves the migrated schema equals the one EF derives from the model.)
/// </summary>
public sealed class DatabaseMigrator(IDbContextFactory<TalkToMeDbContext> factory, ILogger<DatabaseMigrator> logger)
{
    private const string HistoryTable = "__TalkToMeMigrations";

    public static IReadOnlyList<(string Id, string Sql)> LoadScripts()
    {
        var assembly = typeof(DatabaseMigrator).Assembly;
        const string prefix = "TalkToMe.Core.Data.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (n[prefix.Length..^4], Read(assembly, n)))
            .ToList();
    }

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);

        // WAL lets the inbox read while webhooks write; the mode is stored in the file, so once is enough.
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection,
            $"CREATE TABLE IF NOT EXISTS \"{HistoryTable}\" (\"Id\" TEXT NOT NULL PRIMARY KEY, \"AppliedAt\" TEXT NOT NULL);",
            cancellationToken);

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT \"Id\" FROM \"{HistoryTable}\";";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }

        var newlyApplied = new List<string>();
        foreach (var (id, sql) in LoadScripts().Where(s => !applied.Contains(s.Id)))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, sql, cancellationToken, transaction);
            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = $"INSERT INTO \"{HistoryTable}\" (\"Id\", \"AppliedAt\") VALUES ($id, $at);";
                record.Parameters.AddWithValue("$id", id);
                record.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("O"));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Applied database migration {Migration}", id);
            newlyApplied.Add(id);
        }

        return newlyApplied;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken,
        SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
