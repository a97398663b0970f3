using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace TalkToMe.Core.Data;

/// <summary>The storage engines TalkToMe runs on: SQLite embedded (the default, one node) or PostgreSQL (many nodes).</summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// Which engine and where. One model for both: times are UTC ticks in 64-bit integer columns on both engines, so the
/// keyset indexes and the hot paths' SQL are the same text; each engine has its own migration set.
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    /// <summary>The assembly that holds the PostgreSQL migrations (the SQLite ones are in Core, under Data/Sqlite).</summary>
    public const string PostgreSqlMigrationsAssembly = "TalkToMe.Data.PostgreSql";

    public static DatabaseSettings Sqlite(string connectionString) =>
        new(DatabaseProvider.Sqlite, DependencyInjection.NormalizeConnectionString(connectionString));

    /// <summary>
    /// PostgreSQL with Npgsql's automatic preparation on unless the connection string says otherwise: without it the server
    /// parses and plans every statement of the hot paths again on every call (measured: a third of ingest's time).
    /// </summary>
    public static DatabaseSettings PostgreSql(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Mentions(connectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        return new(DatabaseProvider.PostgreSql, builder.ConnectionString);
    }

    private static bool Mentions(string connectionString, params string[] keys) =>
        connectionString.Split(';').Select(part => part.Split('=')[0].Trim())
            .Any(key => keys.Contains(key, StringComparer.OrdinalIgnoreCase));

    public void Configure(DbContextOptionsBuilder options)
    {
        if (Provider == DatabaseProvider.PostgreSql)
        {
            options.UseNpgsql(ConnectionString, npgsql => npgsql.MigrationsAssembly(PostgreSqlMigrationsAssembly));
        }
        else
        {
            options.UseSqlite(ConnectionString);
        }
    }

    /// <summary>Where the connection string points, without its password: for logs and start-up messages.</summary>
    public string Describe()
    {
        if (Provider == DatabaseProvider.PostgreSql)
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"PostgreSQL database '{builder.Database}' on {builder.Host}:{builder.Port}";
        }

        return $"SQLite file '{new SqliteConnectionStringBuilder(ConnectionString).DataSource}'";
    }
}
