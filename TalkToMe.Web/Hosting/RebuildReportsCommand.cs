using System.Diagnostics;
using System.Globalization;
using TalkToMe.Core;
using TalkToMe.Core.Data;
using TalkToMe.Core.Reports;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// <c>rebuild-reports</c>: recounts the reports' per-day rollups from the messages of the configured database
/// (<see cref="ReportRollups.RebuildAsync"/>). Needed once for a database that had conversations before reports existed;
/// harmless at any time (the result equals what the units of work kept). Never builds the web host.
/// Exit codes: 0 rebuilt, 1 failed (nothing changed: the rebuild is one transaction), 2 wrong arguments.
/// </summary>
public static class RebuildReportsCommand
{
    public const string Name = "rebuild-reports";

    public const string Usage = """
        Usage: dotnet run --project TalkToMe.Web -- rebuild-reports [--Key=Value ...]

        Recounts the Relatórios figures (per-day rollups) from every conversation's messages, in one transaction: other
        writers wait until it ends. Reads the same configuration as the app (ConnectionStrings:TalkToMe,
        TalkToMe:Database:Provider; SQLite by default) and migrates the database first.
          --Key=Value    any setting, as when starting the app (e.g. --ConnectionStrings:TalkToMe=...)
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == Name;

    /// <param name="args">The arguments after <c>rebuild-reports</c>.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (args.Any(a => a is "-h" or "--help" or "-?"))
        {
            await output.WriteLineAsync(Usage);
            return 0;
        }

        if (args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) || !a.Contains('=')) is { } wrong)
        {
            await error.WriteLineAsync($"rebuild-reports: unknown argument \"{wrong}\".");
            await error.WriteLineAsync();
            await error.WriteLineAsync(Usage);
            return 2;
        }

        DatabaseSettings database;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                Args = args,
                ApplicationName = typeof(TalkToMeApp).Assembly.GetName().Name,
            });
            (database, _) = DatabaseLocation.Resolve(builder.Configuration, builder.Environment.ContentRootPath);
        }
        catch (StartupException ex)
        {
            await error.WriteLineAsync($"rebuild-reports: {ex.Message}");
            return 1;
        }

        var services = new ServiceCollection().AddLogging().AddTalkToMeCore(database);
        await using var provider = services.BuildServiceProvider();
        try
        {
            await output.WriteLineAsync($"Rebuilding the reports of {database.Describe()}.");
            await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
            var clock = Stopwatch.StartNew();
            var counted = await ReportRollups.RebuildAsync(provider.GetRequiredService<UnitOfWorkFactory>(), cancellationToken);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Counted {counted} conversations in {clock.Elapsed.TotalSeconds:0.0} s."));
            return 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await error.WriteLineAsync($"rebuild-reports failed: {ex.Message}. Nothing was changed.");
            return 1;
        }
    }
}
