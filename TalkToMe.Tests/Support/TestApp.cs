using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Agents;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Tests.Support;

/// <summary>
/// The real TalkToMe app on Kestrel at 127.0.0.1 on a free port, with its own SQLite file (or PostgreSQL database in
/// the test script's PostgreSQL pass). Browser and endpoint tests
/// talk to it over real HTTP; it stops and deletes its database when disposed.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string AdminEmail = "admin@talktome.local";
    public const string AdminPassword = TalkToMeApp.DevelopmentAdminPassword;

    private readonly WebApplication _app;
    private readonly bool _ownsDatabase;
    private TestLogFile? _log;
    private string? _postgres;

    private TestApp(WebApplication app, string databasePath, bool ownsDatabase)
    {
        _app = app;
        DatabasePath = databasePath;
        _ownsDatabase = ownsDatabase;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = address.TrimEnd('/');
    }

    public string BaseUrl { get; }
    public string DatabasePath { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<TestApp> StartAsync(IDictionary<string, string?>? settings = null, string? databasePath = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var ownsDatabase = databasePath is null;
        // Its own folder: the app keeps its data-protection keys next to the database.
        databasePath ??= Path.Combine(Directory.CreateTempSubdirectory("talktome-app-").FullName, "talktome.db");
        // The PostgreSQL pass: an empty database of its own, migrated by the app as at a real first start.
        var postgres = ownsDatabase && TestPostgres.Enabled ? await TestPostgres.CreateEmptyDatabaseAsync() : null;
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:TalkToMe"] = postgres ?? $"Data Source={databasePath}",
            ["TalkToMe:SeedDemoData"] = "true",
            ["TalkToMe:Admin:Email"] = AdminEmail,
            ["TalkToMe:Admin:Password"] = AdminPassword,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:FormatterName"] = "simple",
        };
        if (postgres is not null)
        {
            all["TalkToMe:Database:Provider"] = "PostgreSql";
            all["TalkToMe:DataFolder"] = Path.GetDirectoryName(databasePath);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var args = new List<string> { "--urls=http://127.0.0.1:0", "--environment=Development", $"--contentRoot={WebProjectDirectory()}" };
        args.AddRange(all.Select(kv => $"--{kv.Key}={kv.Value}"));
        var log = TestLogFile.FromEnvironment("app");
        var app = TalkToMeApp.Build(args.ToArray(), builder =>
        {
            if (log is not null)
            {
                builder.Logging.AddProvider(log);
                builder.Logging.AddFilter<TestLogFile>(null, LogLevel.Information);
            }

            configure?.Invoke(builder);
        });
        try
        {
            await app.StartAsync();
        }
        catch when (postgres is not null)
        {
            await TestPostgres.DropDatabaseAsync(postgres);
            throw;
        }

        return new TestApp(app, databasePath, ownsDatabase) { _log = log, _postgres = postgres };
    }

    public HttpClient CreateClient(bool followRedirects = false)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = followRedirects, CookieContainer = new CookieContainer(), UseCookies = true };
        return new HttpClient(handler) { BaseAddress = new Uri(BaseUrl + "/") };
    }

    public async Task<AppUser> CreateUserAsync(string email, string password, string role, string name = "Agente")
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = DateTime.UtcNow };
        var result = await users.CreateAsync(user, password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, role);
        return user;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _log?.Dispose();
        if (_postgres is not null)
        {
            await TestPostgres.DropDatabaseAsync(_postgres);
        }

        if (_ownsDatabase)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(DatabasePath)!, recursive: true);
        }
    }

    public static string WebProjectDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TalkToMe.sln")))
        {
            dir = dir.Parent;
        }

        return dir is null
            ? throw new InvalidOperationException("TalkToMe.sln not found above " + AppContext.BaseDirectory)
            : Path.Combine(dir.FullName, "TalkToMe.Web");
    }
}
