using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Tests.Web.Endpoints;

namespace TalkToMe.Tests.Core.Data;

/// <summary>
/// Every installation so far was made by the SQL-file migrator: switching to EF Core's migrations must take those
/// databases over in place, rows and all, without running InitialCreate against tables that exist.
/// </summary>
public class DatabaseUpgradeTests
{
    private const string UserPassword = "Legado-123456";
    private const string ApiToken = "ttm_pat_legacytoken0123456789";

    [Fact]
    public async Task Migrate_FreshDatabase_AppliesInitialCreate()
    {
        var path = TestDatabase.TempPath();
        var connectionString = DependencyInjection.NormalizeConnectionString($"Data Source={path}");
        try
        {
            var applied = await Migrator(connectionString).MigrateAsync();

            Assert.Equal(DatabaseMigrator.InitialMigrationId, applied[0]);
            Assert.Equal(AllMigrations(), applied);
            Assert.Equal(AllMigrations(), await EfHistoryAsync(connectionString));
        }
        finally
        {
            Delete(path);
        }
    }

    [Fact]
    public async Task Migrate_LegacyDatabase_RecordsInitialCreateWithoutRunningIt()
    {
        await using var database = await TestDatabase.CreateFromLegacySqlAsync();

        var applied = await Migrator(database.ConnectionString).MigrateAsync();

        // InitialCreate is recorded, not run; only the migrations that came after it run.
        Assert.Equal(AllMigrations().Skip(1), applied);
        Assert.Equal(AllMigrations(), await EfHistoryAsync(database.ConnectionString));
        await using (var fresh = await TestDatabase.CreateSqliteAsync())
        {
            Assert.Equal(MigrationSchemaTests.Describe(fresh.ConnectionString), MigrationSchemaTests.Describe(database.ConnectionString));
        }

        Assert.Empty(await Migrator(database.ConnectionString).MigrateAsync());
    }

    [Fact]
    public async Task Migrate_LegacyDatabaseMissingAScript_FailsNamingItAndRecordsNothing()
    {
        await using var database = await TestDatabase.CreateFromLegacySqlAsync(scripts: 2);

        var error = await Assert.ThrowsAsync<DatabaseUpgradeException>(() => Migrator(database.ConnectionString).MigrateAsync());

        Assert.Contains("0008_WhatsAppTemplates", error.Message);
        Assert.Equal(0L, await ScalarAsync(database.ConnectionString,
            "SELECT COUNT(*) FROM sqlite_master WHERE name = '__EFMigrationsHistory'"));
    }

    [Fact]
    public async Task StartApp_OnLegacyDatabaseWithRows_FindsEveryRow()
    {
        var folder = Directory.CreateTempSubdirectory("talktome-upgrade-").FullName;
        var path = Path.Combine(folder, "talktome.db");
        var connectionString = DependencyInjection.NormalizeConnectionString($"Data Source={path}");
        try
        {
            await LegacySqlDatabase.ApplyAsync(connectionString);
            await FillAsLegacyAppAsync(connectionString);

            await using (var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["TalkToMe:SeedDemoData"] = "false" }, path))
            {
                await AssertEveryRowIsFoundAsync(app);
                await AssertTheAppServesThemOverHttpAsync(app);
            }

            Assert.Equal(AllMigrations(), await EfHistoryAsync(connectionString));
            Assert.Equal(3L, await ScalarAsync(connectionString, "SELECT COUNT(*) FROM \"__TalkToMeMigrations\""));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task AssertEveryRowIsFoundAsync(TestApp app)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();

        // The bootstrap found the users and roles, so it created neither an admin nor the roles again.
        Assert.Equal(["ana@legacy.local"], await db.Users.Select(u => u.Email!).ToListAsync());
        Assert.Equal(2, await db.Roles.CountAsync());
        Assert.Equal(1, await db.UserRoles.CountAsync());
        Assert.Equal("script", (await db.ApiTokens.SingleAsync()).Name);

        var channels = await db.Channels.Include(c => c.Groups).OrderBy(c => c.Id).ToListAsync();
        Assert.Equal(["WhatsApp Loja", "API Legado"], channels.Select(c => c.Name));
        Assert.Equal(ChannelType.WhatsApp, channels[0].Type);
        Assert.Equal(1, channels[0].EntryFlowId);
        Assert.Single(channels[0].Groups);
        Assert.Equal("Suporte", (await db.ChannelGroups.SingleAsync()).Name);

        var flow = await db.Flows.SingleAsync();
        Assert.Equal("Boas-vindas", flow.Name);
        Assert.Equal("Olá!", (await db.FlowSteps.SingleAsync(s => s.FlowId == flow.Id)).Text);

        var contact = await db.Contacts.SingleAsync();
        Assert.Equal("Maria Legado", contact.Name);
        Assert.Equal("5511999990000", (await db.ContactIdentities.SingleAsync()).ExternalId);

        var conversation = await db.Conversations.Include(c => c.Labels).SingleAsync();
        Assert.Equal("Pedido 42", conversation.Subject);
        Assert.Equal("user-ana", conversation.AssigneeId);
        Assert.Equal(TestData.Now, conversation.LastActivityAt);
        Assert.Equal(["VIP"], conversation.Labels.Select(l => l.Name));

        var messages = await db.Messages.OrderBy(m => m.Id).ToListAsync();
        Assert.Equal(["Quero ajuda", "Olá Maria"], messages.Select(m => m.Content));
        Assert.Equal("pedido_confirmado", messages[1].Template?.Name);

        Assert.Equal("Olá, tudo bem?", (await db.CannedResponses.SingleAsync()).Content);
        Assert.Equal("Resolver", (await db.Macros.SingleAsync()).Name);
        var template = await db.WhatsAppTemplates.SingleAsync();
        Assert.Equal(("pedido_confirmado", 1), (template.Name, template.ChannelId));

        // The inbox's own query (keyset index, joins to contact, channel and assignee) finds the conversation too.
        var inbox = await app.Services.GetRequiredService<InboxQuery>().ListAsync(new InboxFilter());
        var row = Assert.Single(inbox.Items);
        Assert.Equal(("Maria Legado", "WhatsApp Loja", "Ana Legacy"), (row.ContactName, row.ChannelName, row.AssigneeName));
    }

    private static async Task AssertTheAppServesThemOverHttpAsync(TestApp app)
    {
        // The legacy user's password hash and the legacy API token still authenticate.
        using (var browser = app.CreateClient())
        {
            var signIn = await HostingEndpointTests.SignInAsync(browser, "ana@legacy.local", UserPassword);
            Assert.Equal("/", signIn.Headers.Location?.OriginalString);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        }

        using var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        var channels = await api.GetStringAsync("api/v1/channels");
        Assert.Contains("WhatsApp Loja", channels);
        Assert.Contains("API Legado", channels);
    }

    /// <summary>Rows as the app on the SQL migrations stored them: raw SQL, so nothing of today's model is assumed.</summary>
    private static async Task FillAsLegacyAppAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO "AspNetRoles" VALUES ('role-admin', 'Admin', 'ADMIN', 'r1'), ('role-agent', 'Agent', 'AGENT', 'r2');
            INSERT INTO "AspNetUsers" VALUES ('user-ana', 'Ana Legacy', 0, $t, 'ana@legacy.local', 'ANA@LEGACY.LOCAL',
                'ana@legacy.local', 'ANA@LEGACY.LOCAL', 1, $password, 'STAMP-ANA', 'c1', NULL, 0, 0, NULL, 1, 0);
            INSERT INTO "AspNetUserRoles" VALUES ('user-ana', 'role-admin');
            INSERT INTO "ApiTokens" VALUES (1, 'user-ana', 'script', $tokenHash, $tokenPrefix, $t, NULL);
            INSERT INTO "Flows" VALUES (1, 'Boas-vindas', $t);
            INSERT INTO "ChannelGroups" VALUES (1, 'Suporte', 'Time de suporte');
            INSERT INTO "FlowSteps" VALUES (1, 1, 0, 'Message', 'Olá!', NULL, 0, '[]', NULL, NULL);
            INSERT INTO "Channels" VALUES
                (1, 'WhatsApp Loja', 'WhatsApp', 1, 0, 1, NULL, 'pk-legacy-1', $whatsAppSettings, NULL,
                 0, 'Minutes', NULL, 0, 'Minutes', NULL, 0, $t, NULL),
                (2, 'API Legado', 'Api', 1, 0, NULL, NULL, 'pk-legacy-2', $apiSettings, NULL,
                 0, 'Minutes', NULL, 0, 'Minutes', NULL, 0, $t, NULL);
            INSERT INTO "ChannelGroupMembers" VALUES (1, 1);
            INSERT INTO "Contacts" VALUES (1, 'Maria Legado', 'maria@example.com', '+5511999990000', '{}', $t);
            INSERT INTO "ContactIdentities" VALUES (1, 1, 1, '5511999990000');
            INSERT INTO "Conversations" VALUES (1, 1, 1, 1, 0, 'user-ana', 2, $t, $t, 'Quero ajuda', 1, NULL, $t, NULL,
                0, NULL, NULL, NULL, '{}', 'Pedido 42');
            INSERT INTO "Labels" VALUES (1, 'VIP', '#d32f2f');
            INSERT INTO "ConversationLabels" VALUES (1, 1);
            INSERT INTO "Messages" VALUES
                (1, 1, 1, 0, 0, 0, NULL, 'Maria Legado', 'Quero ajuda', 'wamid.1', 0, NULL, 0, NULL, NULL, $t, NULL, NULL),
                (2, 1, 1, 1, 0, 1, 'user-ana', 'Ana Legacy', 'Olá Maria', 'wamid.2', 2, NULL, 1, NULL, $deliveryId, $t, $t, $template);
            INSERT INTO "CannedResponses" VALUES (1, 'oi', 'Olá, tudo bem?');
            INSERT INTO "Macros" VALUES (1, 'Resolver', '[]');
            INSERT INTO "WhatsAppTemplates" VALUES (1, 1, 'pedido_confirmado', 'pt_BR', 'UTILITY', 'Seu pedido {{1}} foi confirmado',
                '["1"]', $t);
            """;
        command.Parameters.AddWithValue("$t", TestData.Now.Ticks);
        command.Parameters.AddWithValue("$password", new PasswordHasher<AppUser>().HashPassword(new AppUser(), UserPassword));
        command.Parameters.AddWithValue("$tokenHash", Secrets.Hash(ApiToken));
        command.Parameters.AddWithValue("$tokenPrefix", ApiToken[..12]);
        command.Parameters.AddWithValue("$whatsAppSettings", ChannelSettings.CreateFor(ChannelType.WhatsApp).ToJson());
        command.Parameters.AddWithValue("$apiSettings", ChannelSettings.CreateFor(ChannelType.Api).ToJson());
        command.Parameters.AddWithValue("$deliveryId", Guid.NewGuid().ToString().ToUpperInvariant());
        command.Parameters.AddWithValue("$template", JsonSerializer.Serialize(
            new MessageTemplate("pedido_confirmado", "pt_BR", [new TemplateParameter("1", "42")]), JsonDefaults.Options));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every migration in the assembly, oldest first (InitialCreate, then what came after it).</summary>
    private static List<string> AllMigrations()
    {
        using var db = new Factory("Data Source=:memory:").CreateDbContext();
        return db.Database.GetMigrations().ToList();
    }

    private static DatabaseMigrator Migrator(string connectionString) =>
        new(new Factory(connectionString), NullLogger<DatabaseMigrator>.Instance);

    private sealed class Factory(string connectionString) : IDbContextFactory<TalkToMeDbContext>
    {
        public TalkToMeDbContext CreateDbContext() =>
            new(new DbContextOptionsBuilder<TalkToMeDbContext>().UseSqlite(connectionString).Options);
    }

    private static async Task<List<string>> EfHistoryAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY \"MigrationId\"";
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static void Delete(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }
}
