using Microsoft.Data.Sqlite;

namespace TalkToMe.Tests.Support;

/// <summary>
/// Builds a database the way the SQL-file migrator did before EF Core's migrations replaced it: the same scripts
/// (Core/Data/LegacySql, byte for byte what it shipped), the same history table and rows, the same WAL pragma. It is
/// the starting point of every installation that upgrades, so the upgrade tests start there.
/// </summary>
public static class LegacySqlDatabase
{
    public const string HistoryTable = "__TalkToMeMigrations";

    public static IReadOnlyList<(string Id, string Sql)> Scripts()
    {
        var assembly = typeof(LegacySqlDatabase).Assembly;
        const string prefix = "LegacySql.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (n[prefix.Length..^4], reader.ReadToEnd());
            })
            .ToList();
    }

    /// <summary>Applies the scripts (all, or the first <paramref name="count"/>) as the old migrator did.</summary>
    public static async Task ApplyAsync(string connectionString, int? count = null)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;");
        await ExecuteAsync(connection,
            $"CREATE TABLE IF NOT EXISTS \"{HistoryTable}\" (\"Id\" TEXT NOT NULL PRIMARY KEY, \"AppliedAt\" TEXT NOT NULL);");

        foreach (var (id, sql) in Scripts().Take(count ?? int.MaxValue))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await ExecuteAsync(connection, sql, transaction);
            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = $"INSERT INTO \"{HistoryTable}\" (\"Id\", \"AppliedAt\") VALUES ($id, $at);";
                record.Parameters.AddWithValue("$id", id);
                record.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("O"));
                await record.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
