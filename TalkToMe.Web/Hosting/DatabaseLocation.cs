using Microsoft.Data.Sqlite;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// Resolves TalkToMe:Database:Provider (Sqlite by default, or PostgreSql) and ConnectionStrings:TalkToMe: a SQLite path
/// relative to the content root whose folder must be writable, or an Npgsql connection string.
/// </summary>
public static class DatabaseLocation
{
    public const string ProviderKey = "TalkToMe:Database:Provider";

    /// <returns>The database to use and the folder for the app's other data (data-protection keys).</returns>
    public static (DatabaseSettings Database, string DataFolder) Resolve(IConfiguration configuration, string contentRoot)
    {
        var provider = ReadProvider(configuration);
        var raw = configuration.GetConnectionString("TalkToMe");
        if (provider == DatabaseProvider.PostgreSql)
        {
            // Nothing on disk but the data-protection keys (TalkToMe:DataFolder, else App_Data beside the app).
            var folder = configuration["TalkToMe:DataFolder"] is { Length: > 0 } configured
                ? Path.GetFullPath(configured, contentRoot)
                : Path.Combine(contentRoot, "App_Data");
            return (ResolvePostgreSql(raw), folder);
        }

        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new StartupException("ConnectionStrings:TalkToMe is empty. Set it to a SQLite connection string, e.g. \"Data Source=App_Data/talktome.db\".");
        }

        SqliteConnectionStringBuilder builder;
        try
        {
            builder = new SqliteConnectionStringBuilder(raw);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException($"ConnectionStrings:TalkToMe is not a valid SQLite connection string: {ex.Message}", ex);
        }

        var dataSource = builder.DataSource;
        if (string.IsNullOrWhiteSpace(dataSource))
        {
            throw new StartupException("ConnectionStrings:TalkToMe has no Data Source.");
        }

        var dataFolder = Path.Combine(contentRoot, "App_Data");
        if (dataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var path = Path.GetFullPath(dataSource, contentRoot);
            EnsureWritable(path);
            builder.DataSource = path;
            dataFolder = Path.GetDirectoryName(path)!;
        }

        return (DatabaseSettings.Sqlite(builder.ToString()), dataFolder);
    }

    private static DatabaseProvider ReadProvider(IConfiguration configuration)
    {
        var value = configuration[ProviderKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return DatabaseProvider.Sqlite;
        }

        return Enum.TryParse<DatabaseProvider>(value.Trim(), ignoreCase: true, out var provider) && Enum.IsDefined(provider)
            ? provider
            : throw new StartupException($"{ProviderKey} must be Sqlite or PostgreSql; got \"{value}\".");
    }

    private static DatabaseSettings ResolvePostgreSql(string? raw)
    {
        const string example = "\"Host=db.example.com;Database=talktome;Username=talktome;Password=...\"";
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw new StartupException($"ConnectionStrings:TalkToMe is empty. With {ProviderKey}=PostgreSql set it to an Npgsql connection string, e.g. {example}.");
        }

        Npgsql.NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new Npgsql.NpgsqlConnectionStringBuilder(raw);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            // The message names the bad keyword; the value (it may be the password) is not repeated.
            throw new StartupException($"ConnectionStrings:TalkToMe is not a valid PostgreSQL connection string ({ex.Message}). Expected e.g. {example}.", ex);
        }

        if (string.IsNullOrWhiteSpace(builder.Host) || string.IsNullOrWhiteSpace(builder.Database))
        {
            throw new StartupException($"ConnectionStrings:TalkToMe must name a Host and a Database, e.g. {example}.");
        }

        return DatabaseSettings.PostgreSql(builder.ConnectionString);
    }

    private static void EnsureWritable(string databasePath)
    {
        var folder = Path.GetDirectoryName(databasePath)!;
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            if (File.Exists(databasePath))
            {
                using var _ = File.Open(databasePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"The database folder '{folder}' is not writable ({ex.Message}). Point ConnectionStrings:TalkToMe at a writable path.", ex);
        }
    }
}
