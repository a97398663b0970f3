using Microsoft.Data.Sqlite;
using TalkToMe.Core;

namespace TalkToMe.Web.Hosting;

/// <summary>Resolves ConnectionStrings:TalkToMe (relative paths against the content root) and checks the folder is writable.</summary>
public static class DatabaseLocation
{
    /// <returns>The connection string to use and the folder for the app's other data (data-protection keys).</returns>
    public static (string ConnectionString, string DataFolder) Resolve(IConfiguration configuration, string contentRoot)
    {
        var raw = configuration.GetConnectionString("TalkToMe");
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

        return (DependencyInjection.NormalizeConnectionString(builder.ToString()), dataFolder);
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
