using System.Globalization;
using Npgsql;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// <c>copy-data --to-provider PostgreSql --to "&lt;Npgsql connection string&gt;"</c>: copies the configured database
/// (ConnectionStrings:TalkToMe, TalkToMe:Database:Provider — SQLite by default) into an empty PostgreSQL database with
/// <see cref="DataCopier"/>. Reads the same configuration as the app but never builds or starts the web host.
/// Exit codes: 0 copied and verified, 1 refused or failed (the target keeps no row), 2 wrong arguments.
/// </summary>
public static class CopyDataCommand
{
    public const string Name = "copy-data";

    public const string Usage = """
        Usage: dotnet run --project TalkToMe.Web -- copy-data --to-provider PostgreSql --to "<Npgsql connection string>" [--Key=Value ...]

        Copies every row of the configured database (ConnectionStrings:TalkToMe, TalkToMe:Database:Provider; SQLite by
        default) into an empty PostgreSQL database: migrates the target, refuses unless all its TalkToMe tables are empty,
        copies in one transaction, resets the id sequences and verifies the row count of every table.
          --to-provider PostgreSql    the target's engine (only PostgreSql)
          --to "<connection string>"  e.g. "Host=db.example.com;Database=talktome;Username=talktome;Password=..."
          --Key=Value                 any setting, as when starting the app (e.g. --ConnectionStrings:TalkToMe=...)
        Stop the app first: rows written after the copy starts are not copied.
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == Name;

    /// <param name="args">The arguments after <c>copy-data</c>.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (args.Any(a => a is "-h" or "--help" or "-?"))
        {
            await output.WriteLineAsync(Usage);
            return 0;
        }

        if (!TryParse(args, out var toProvider, out var to, out var configurationArgs, out var problem))
        {
            await error.WriteLineAsync($"copy-data: {problem}");
            await error.WriteLineAsync();
            await error.WriteLineAsync(Usage);
            return 2;
        }

        if (!string.Equals(toProvider, nameof(DatabaseProvider.PostgreSql), StringComparison.OrdinalIgnoreCase))
        {
            await error.WriteLineAsync($"copy-data: --to-provider must be PostgreSql (copy-data only copies into PostgreSQL); got \"{toProvider}\".");
            await error.WriteLineAsync();
            await error.WriteLineAsync(Usage);
            return 2;
        }

        if (!TryTarget(to!, out var target, out problem))
        {
            await error.WriteLineAsync($"copy-data: {problem}");
            await error.WriteLineAsync();
            await error.WriteLineAsync(Usage);
            return 2;
        }

        var secrets = new List<string>();
        AddPassword(secrets, target!.ConnectionString);
        DatabaseSettings source;
        string dataFolder;
        try
        {
            // The app's own configuration sources (appsettings*.json, environment, --Key=Value); the host is never built.
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                Args = configurationArgs.ToArray(),
                ApplicationName = typeof(TalkToMeApp).Assembly.GetName().Name,
            });
            (source, dataFolder) = DatabaseLocation.Resolve(builder.Configuration, builder.Environment.ContentRootPath);
        }
        catch (StartupException ex)
        {
            await error.WriteLineAsync($"copy-data: {ex.Message}");
            return 1;
        }

        if (source.Provider == DatabaseProvider.PostgreSql)
        {
            AddPassword(secrets, source.ConnectionString);
        }

        await output.WriteLineAsync($"Copying {source.Describe()} to {target.Describe()}.");
        var lastPrint = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        var copier = new DataCopier(source, target, new DataCopyOptions
        {
            OnStatus = message => output.WriteLine(Redact(message, secrets)),
            OnProgress = p =>
            {
                // Every batch would flood the console on a large table: at most once a second, and always the last.
                var now = DateTime.UtcNow;
                if (p.Copied < p.Total && lastPrint.TryGetValue(p.Table, out var last) && now - last < TimeSpan.FromSeconds(1))
                {
                    return;
                }

                lastPrint[p.Table] = now;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Table}: {p.Copied}/{p.Total}"));
            },
        });

        DataCopyResult result;
        try
        {
            result = await copier.CopyAsync(cancellationToken);
        }
        catch (DataCopyException ex)
        {
            await error.WriteLineAsync($"copy-data: {Redact(ex.Message, secrets)}");
            return 1;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await error.WriteLineAsync(
                $"copy-data failed: {Redact(Describe(ex), secrets)}. Source: {source.Describe()}; target: {target.Describe()}. " +
                "The target keeps no copied row.");
            return 1;
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(Summary(result.Tables, source.Provider));
        if (!result.Committed || !result.CountsMatch)
        {
            await error.WriteLineAsync("copy-data: the row counts differ (marked above); the copy was rolled back and the target keeps no row.");
            return 1;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Copied {result.Tables.Sum(t => t.TargetRows)} rows in {result.Tables.Count} tables; every count matches."));
        var keys = Path.Combine(dataFolder, "keys");
        await output.WriteLineAsync(
            "Next: start TalkToMe with TalkToMe__Database__Provider=PostgreSql and this connection string in ConnectionStrings__TalkToMe" +
            (source.Provider == DatabaseProvider.Sqlite && Directory.Exists(keys)
                ? $"; copy '{keys}' into TalkToMe:DataFolder's keys/ so sign-ins survive."
                : "."));
        return 0;
    }

    private static bool TryParse(string[] args, out string? toProvider, out string? to, out List<string> configurationArgs, out string problem)
    {
        toProvider = null;
        to = null;
        configurationArgs = [];
        problem = "";
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? value;
            if (Option(arg, "--to-provider", args, ref i, out value) is { } providerFound)
            {
                if (!providerFound)
                {
                    problem = "--to-provider needs a value (PostgreSql).";
                    return false;
                }

                toProvider = value;
            }
            else if (Option(arg, "--to", args, ref i, out value) is { } toFound)
            {
                if (!toFound)
                {
                    problem = "--to needs a value: the target's Npgsql connection string.";
                    return false;
                }

                to = value;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal))
            {
                configurationArgs.Add(arg);
            }
            else
            {
                // Not repeated when it may be a connection string with its password.
                problem = arg.Contains("password", StringComparison.OrdinalIgnoreCase) || arg.Contains(';', StringComparison.Ordinal)
                    ? "unexpected argument (a connection string goes after --to)."
                    : $"unexpected argument \"{arg}\".";
                return false;
            }
        }

        if (string.IsNullOrWhiteSpace(toProvider) || string.IsNullOrWhiteSpace(to))
        {
            problem = "--to-provider and --to are both required.";
            return false;
        }

        return true;
    }

    /// <returns>null when <paramref name="arg"/> is not the option; true with its value; false when the value is missing.</returns>
    private static bool? Option(string arg, string name, string[] args, ref int i, out string? value)
    {
        value = null;
        if (arg == name)
        {
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                return false;
            }

            value = args[++i];
            return true;
        }

        if (arg.StartsWith(name + "=", StringComparison.Ordinal))
        {
            value = arg[(name.Length + 1)..];
            return value.Length > 0;
        }

        return null;
    }

    private static bool TryTarget(string connectionString, out DatabaseSettings? target, out string problem)
    {
        target = null;
        problem = "";
        const string example = "\"Host=db.example.com;Database=talktome;Username=talktome;Password=...\"";
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            var secrets = new List<string>();
            AddPasswordLoosely(secrets, connectionString);
            problem = $"--to is not a valid PostgreSQL connection string ({Redact(ex.Message, secrets)}). Expected e.g. {example}.";
            return false;
        }

        if (string.IsNullOrWhiteSpace(builder.Host) || string.IsNullOrWhiteSpace(builder.Database))
        {
            problem = $"--to must name a Host and a Database, e.g. {example}.";
            return false;
        }

        target = DatabaseSettings.PostgreSql(builder.ConnectionString);
        return true;
    }

    private static string Summary(IReadOnlyList<DataCopyTableCount> tables, DatabaseProvider sourceProvider)
    {
        var sourceHeader = sourceProvider == DatabaseProvider.Sqlite ? "SQLite" : "source";
        const string targetHeader = "PostgreSQL";
        var width = Math.Max("Table".Length, tables.Count == 0 ? 0 : tables.Max(t => t.Table.Length));
        var numbers = Math.Max(targetHeader.Length, tables.Count == 0 ? 0 : tables.Max(t => Math.Max(t.SourceRows, t.TargetRows).ToString(CultureInfo.InvariantCulture).Length));
        var lines = new List<string>
        {
            $"{"Table".PadRight(width)}  {sourceHeader.PadLeft(numbers)}  {targetHeader.PadLeft(numbers)}",
            $"{new string('-', width)}  {new string('-', numbers)}  {new string('-', numbers)}",
        };
        lines.AddRange(tables.Select(t => string.Create(CultureInfo.InvariantCulture,
            $"{t.Table.PadRight(width)}  {t.SourceRows.ToString(CultureInfo.InvariantCulture).PadLeft(numbers)}  {t.TargetRows.ToString(CultureInfo.InvariantCulture).PadLeft(numbers)}{(t.Matches ? "" : "  MISMATCH")}")));
        return string.Join(Environment.NewLine, lines);
    }

    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (!parts.Contains(e.Message))
            {
                parts.Add(e.Message);
            }
        }

        return string.Join(" — ", parts).TrimEnd('.');
    }

    private static void AddPassword(List<string> secrets, string connectionString)
    {
        try
        {
            if (new NpgsqlConnectionStringBuilder(connectionString).Password is { Length: > 0 } password)
            {
                secrets.Add(password);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            AddPasswordLoosely(secrets, connectionString);
        }
    }

    /// <summary>For a string the builder refuses: whatever follows "Password=" (or "Pwd=") up to the next ';'.</summary>
    private static void AddPasswordLoosely(List<string> secrets, string connectionString)
    {
        foreach (var part in connectionString.Split(';'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part[..equals].Trim() is var key
                && (key.Equals("Password", StringComparison.OrdinalIgnoreCase) || key.Equals("Pwd", StringComparison.OrdinalIgnoreCase))
                && part[(equals + 1)..].Trim() is { Length: > 0 } password)
            {
                secrets.Add(password);
            }
        }
    }

    /// <summary>No message printed by this command carries a password, even if a driver quoted one.</summary>
    private static string Redact(string message, IEnumerable<string> secrets) =>
        secrets.Where(s => s.Length > 0).Aggregate(message, (text, secret) => text.Replace(secret, "***", StringComparison.Ordinal));
}
