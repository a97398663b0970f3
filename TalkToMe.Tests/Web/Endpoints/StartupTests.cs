using TalkToMe.Tests.Support;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Tests.Web.Endpoints;

public class StartupTests
{
    [Fact]
    public async Task Start_WithUnwritableDatabaseFolder_FailsWithAClearMessage()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() =>
            TestApp.StartAsync(databasePath: "/proc/talktome-cannot-write-here/db.sqlite"));

        Assert.Contains("not writable", error.Message);
        Assert.Contains("ConnectionStrings:TalkToMe", error.Message);
    }

    [Theory]
    [InlineData("Oracle", "Host=127.0.0.1;Database=x", "TalkToMe:Database:Provider must be Sqlite or PostgreSql")]
    [InlineData("PostgreSql", "", "ConnectionStrings:TalkToMe is empty")]
    [InlineData("PostgreSql", "Hots=127.0.0.1;Database=x", "not a valid PostgreSQL connection string")]
    [InlineData("PostgreSql", "Host=127.0.0.1;Username=x", "must name a Host and a Database")]
    public async Task Start_WithAWrongPostgreSqlSetting_FailsWithAClearMessage(string provider, string connectionString, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["TalkToMe:Database:Provider"] = provider,
            ["ConnectionStrings:TalkToMe"] = connectionString,
        };

        var error = await Assert.ThrowsAsync<StartupException>(() => TestApp.StartAsync(settings));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Start_WithAnUnreachablePostgreSqlServer_FailsWithAClearMessageAndNoPassword()
    {
        var settings = new Dictionary<string, string?>
        {
            ["TalkToMe:Database:Provider"] = "PostgreSql",
            // Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
            ["ConnectionStrings:TalkToMe"] = "Host=127.0.0.1;Port=9;Database=talktome;Username=talktome;Password=s3cret-pw;Timeout=3",
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(settings));

        var startup = error as StartupException ?? error.InnerException as StartupException;
        Assert.NotNull(startup);
        Assert.Contains("The database cannot be opened or migrated (PostgreSQL database 'talktome' on 127.0.0.1:9)", startup.Message);
        Assert.DoesNotContain("s3cret-pw", startup.Message);
    }

    [Fact]
    public async Task Start_WithNoUserAndNoAdminSettings_FailsWithAClearMessage()
    {
        var settings = new Dictionary<string, string?> { ["TalkToMe:Admin:Email"] = "", ["TalkToMe:Admin:Password"] = "" };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(settings));

        var startup = error as StartupException ?? error.InnerException as StartupException;
        Assert.NotNull(startup);
        Assert.Contains("TalkToMe__Admin__Email", startup.Message);
    }

    [Fact]
    public async Task Start_Twice_OnTheSameDatabase_KeepsDataAndSeedsOnce()
    {
        var path = TestDatabase.TempPath();
        try
        {
            await using (await TestApp.StartAsync(databasePath: path))
            {
            }

            await using var second = await TestApp.StartAsync(databasePath: path);
            await using var scope = second.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TalkToMe.Core.Data.TalkToMeDbContext>();
            Assert.Equal(5, db.Channels.Count());
            Assert.Equal(1, db.Users.Count(u => u.Email == TestApp.AdminEmail));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
        }
    }

    [Fact]
    public async Task DemoChannels_HaveSettingsAnAdminCanSaveAsTheyAre()
    {
        await using var app = await TestApp.StartAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TalkToMe.Core.Data.TalkToMeDbContext>();

        foreach (var channel in db.Channels.ToList())
        {
            var errors = new Dictionary<string, string>();
            TalkToMe.Core.Channels.ChannelSettingsRules.Validate(channel.GetSettings(), errors);
            Assert.True(errors.Count == 0, $"{channel.Name}: {string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}"))}");
        }
    }
}
