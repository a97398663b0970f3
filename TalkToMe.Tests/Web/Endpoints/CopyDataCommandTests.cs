using System.Diagnostics;
using Npgsql;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Core.Data;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Tests.Web.Endpoints;

/// <summary>
/// <c>copy-data</c>: the built app run as the operator runs it (a process, exit code, console), and its argument and
/// connection errors, which never print the password.
/// </summary>
public class CopyDataCommandTests
{
    private const string Password = "NotPrinted-7Qx";

    [Fact]
    public async Task CopyData_InTheBuiltApp_CopiesWithProgressAndSummary_WithoutStartingTheServer_ThenRefusesTheSameTarget()
    {
        await using var source = await TestDatabase.CreateSqliteAsync();
        await DataCopyTests.SeedAsync(source);
        var target = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            // The private server trusts every login, so the password is not checked: it is only there not to be printed.
            var to = new NpgsqlConnectionStringBuilder(target) { Password = Password }.ConnectionString;
            var counts = await DataCopyTests.CountsAsync(source.ConnectionString, DatabaseProvider.Sqlite, ["Messages", "ConversationLabels"]);

            var first = await RunAppAsync(source, "copy-data", "--to-provider", "PostgreSql", "--to", to);

            Assert.True(first.ExitCode == 0, first.All);
            Assert.Contains($"Messages: {counts["Messages"]}/{counts["Messages"]}", first.Output);
            Assert.Contains($"ConversationLabels: {counts["ConversationLabels"]}/{counts["ConversationLabels"]}", first.Output);
            Assert.Matches(@"Table\s+SQLite\s+PostgreSQL", first.Output);
            Assert.Matches($@"\nMessages\s+{counts["Messages"]}\s+{counts["Messages"]}\r?\n", first.Output);
            Assert.Contains("every count matches", first.Output);
            Assert.DoesNotContain("MISMATCH", first.Output);
            Assert.DoesNotContain("Now listening", first.All);
            Assert.DoesNotContain(Password, first.All);
            Assert.Equal(counts["Messages"],
                (await DataCopyTests.CountsAsync(target, DatabaseProvider.PostgreSql, ["Messages"]))["Messages"]);

            var second = await RunAppAsync(source, "copy-data", "--to-provider", "PostgreSql", "--to", to);

            Assert.True(second.ExitCode == 1, second.All);
            Assert.Contains("is not empty", second.Error);
            Assert.Contains("nothing was written", second.Error);
            Assert.DoesNotContain(Password, second.All);
            Assert.Equal(counts["Messages"],
                (await DataCopyTests.CountsAsync(target, DatabaseProvider.PostgreSql, ["Messages"]))["Messages"]);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }

    [Theory]
    [InlineData(new string[0], "--to-provider and --to are both required")]
    [InlineData(new[] { "--to-provider", "PostgreSql" }, "--to-provider and --to are both required")]
    [InlineData(new[] { "--to-provider", "PostgreSql", "--to" }, "--to needs a value")]
    [InlineData(new[] { "--to-provider", "Sqlite", "--to", "Host=db;Database=talktome" }, "--to-provider must be PostgreSql")]
    [InlineData(new[] { "--to-provider", "PostgreSql", "--to", "Host=db;Database=talktome", "extra" }, "unexpected argument \"extra\"")]
    [InlineData(new[] { "--to-provider", "PostgreSql", "--to", "Database=talktome;Password=" + Password }, "must name a Host and a Database")]
    [InlineData(new[] { "--to-provider", "PostgreSql", "--to", "Host=db;Database=talktome;Password=" + Password + ";Bogus=1" }, "not a valid PostgreSQL connection string")]
    [InlineData(new[] { "--to-provider", "PostgreSql", "Host=db;Password=" + Password }, "unexpected argument")]
    public async Task CopyData_WithWrongArguments_PrintsTheProblemAndUsage_AndExits2(string[] args, string problem)
    {
        var (exitCode, output, error) = await RunInProcessAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(problem, error);
        Assert.Contains("Usage: dotnet run --project TalkToMe.Web -- copy-data --to-provider PostgreSql", error);
        Assert.DoesNotContain(Password, output + error);
        Assert.Empty(output);
    }

    [Fact]
    public async Task CopyData_ToAServerThatCannotBeReached_OrADatabaseThatDoesNotExist_SaysWhereWithoutThePassword()
    {
        await using var source = await TestDatabase.CreateSqliteAsync();

        var unreachable = await RunInProcessAsync(["--to-provider", "PostgreSql",
            "--to", $"Host=127.0.0.1;Port=1;Database=talktome;Username=talktome;Password={Password};Timeout=5",
            .. SourceArgs(source)]);

        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("copy-data failed", unreachable.Error);
        Assert.Contains("PostgreSQL database 'talktome' on 127.0.0.1:1", unreachable.Error);
        Assert.DoesNotContain(Password, unreachable.Output + unreachable.Error);

        var missing = new NpgsqlConnectionStringBuilder(TestPostgres.Server ?? throw new InvalidOperationException(
            "TALKTOME_TEST_POSTGRES is not set: run ./test.sh or tools/test-postgres.sh run -- dotnet test ..."))
        {
            Database = $"ttm_missing_{Guid.NewGuid():N}",
            Password = Password,
        };
        var absent = await RunInProcessAsync(["--to-provider", "PostgreSql", "--to", missing.ConnectionString, .. SourceArgs(source)]);

        Assert.Equal(1, absent.ExitCode);
        Assert.Contains("does not exist", absent.Error);
        Assert.Contains(missing.Database, absent.Error);
        Assert.DoesNotContain(Password, absent.Output + absent.Error);
    }

    private static string[] SourceArgs(TestDatabase source) =>
        [$"--ConnectionStrings:TalkToMe=Data Source={source.Path}", "--TalkToMe:Database:Provider=Sqlite"];

    private static async Task<(int ExitCode, string Output, string Error)> RunInProcessAsync(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await CopyDataCommand.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private sealed record ProcessResult(int ExitCode, string Output, string Error)
    {
        public string All => Output + "\n" + Error;
    }

    /// <summary>TalkToMe.Web.dll (built beside the tests) with the arguments, configured for the source by --Key=Value.</summary>
    private static async Task<ProcessResult> RunAppAsync(TestDatabase source, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TalkToMe.Web.dll"));
        foreach (var arg in args.Concat(SourceArgs(source)).Append($"--contentRoot={TestApp.WebProjectDirectory()}"))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"copy-data did not end within 2 minutes:\n{await output}\n{await error}");
        }

        return new ProcessResult(process.ExitCode, await output, await error);
    }
}
