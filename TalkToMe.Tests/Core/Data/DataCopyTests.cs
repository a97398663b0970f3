using System.Collections;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Data;

/// <summary>
/// DataCopier: a SQLite installation filled through the app's own services and EF, copied into an empty database on the
/// test script's private PostgreSQL server, then read back through EF on both sides.
/// </summary>
public class DataCopyTests
{
    public const string AdminPassword = "Copia!2026a";
    public const int ExtraMessages = 23;

    [Fact]
    public async Task Copy_KeepsEveryRowAndValue_ResetsSequences_AndASecondCopyIsRefused()
    {
        await using var source = await TestDatabase.CreateSqliteAsync();
        var seeded = await SeedAsync(source);
        var target = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            var progress = new List<DataCopyProgress>();
            var result = await new DataCopier(source.Settings, DatabaseSettings.PostgreSql(target),
                new DataCopyOptions { BatchSize = 10, OnProgress = progress.Add }).CopyAsync();

            Assert.True(result.Committed);
            Assert.True(result.CountsMatch);
            Assert.NotEmpty(result.AppliedMigrations);
            await using var sqlite = source.NewContext();
            await using var postgres = NewPostgresContext(target);

            // Every table of the model, counted independently of the copier, on both sides.
            var tables = DataCopier.TablesInDependencyOrder(sqlite).Select(t => t.Name).ToList();
            Assert.Equal(tables.Order(), result.Tables.Select(t => t.Table).Order());
            Assert.Contains("ChannelGroupMembers", tables);
            Assert.Contains("ConversationLabels", tables);
            Assert.Contains("AspNetUserRoles", tables);
            var sourceCounts = await CountsAsync(source.ConnectionString, DatabaseProvider.Sqlite, tables);
            var targetCounts = await CountsAsync(target, DatabaseProvider.PostgreSql, tables);
            Assert.Equal(sourceCounts, targetCounts);
            Assert.All(tables.Where(t => t is not ("AspNetUserClaims" or "AspNetUserLogins" or "AspNetUserTokens" or "AspNetRoleClaims")),
                t => Assert.True(sourceCounts[t] > 0, $"the seed left {t} empty"));
            Assert.Equal(sourceCounts["Messages"], result.Tables.Single(t => t.Table == "Messages").TargetRows);
            Assert.All(result.Tables, t => Assert.Equal(sourceCounts[t.Table], t.SourceRows));

            // Progress per batch of 10: 14/34, 20/34… and the last one says all of them.
            var messages = progress.Where(p => p.Table == "Messages").ToList();
            Assert.True(messages.Count >= 3);
            Assert.Equal(sourceCounts["Messages"], messages[^1].Copied);
            Assert.All(messages, p => Assert.Equal(sourceCounts["Messages"], p.Total));
            Assert.Contains(progress, p => p.Table == "AspNetUserClaims" && p is { Copied: 0, Total: 0 });

            // Field by field, every row of every entity type, read through EF on both sides.
            await AssertSameRowsAsync(sqlite, postgres);

            // The samples the brief names, spelled out.
            var labelled = await postgres.Conversations.Include(c => c.Labels).SingleAsync(c => c.Id == seeded.LabelledConversationId);
            Assert.Equal(new[] { "urgente", "vip" }, labelled.Labels.Select(l => l.Name).Order());
            Assert.Equal(seeded.AgentId, labelled.AssigneeId);
            Assert.Equal(seeded.SnoozedUntil, labelled.SnoozedUntil);
            Assert.Equal(DateTimeKind.Utc, labelled.SnoozedUntil!.Value.Kind);
            var outbound = await postgres.Messages.SingleAsync(m => m.Id == seeded.OutboundMessageId);
            Assert.Equal(seeded.DeliveryId, outbound.DeliveryId);
            Assert.Equal(DeliveryStatus.Pending, outbound.DeliveryStatus);
            var group = await postgres.ChannelGroups.Include(g => g.Channels).Include(g => g.Agents).SingleAsync();
            Assert.Equal(2, group.Channels.Count);
            Assert.True(Assert.Single(group.Agents).RestrictedToGroups);
            var telegram = await postgres.Channels.SingleAsync(c => c.Type == ChannelType.Telegram);
            Assert.Equal("123456:copied-token", telegram.GetSettings<TelegramSettings>().BotToken);
            Assert.True(telegram.KeepAlive.IsEnabled);
            var steps = (await postgres.Flows.Include(f => f.Steps).SingleAsync()).OrderedSteps();
            Assert.Equal(new[] { "Suporte", "Vendas" }, steps[0].Options.Select(o => o.Label));

            // The copied users sign in: same hash, same roles, lockout kept.
            await using (var services = IdentityServices(DatabaseSettings.PostgreSql(target)))
            await using (var scope = services.CreateAsyncScope())
            {
                var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
                var admin = await users.FindByEmailAsync("admin@copy.test");
                Assert.NotNull(admin);
                Assert.Equal(seeded.AdminPasswordHash, admin.PasswordHash);
                Assert.True(await users.CheckPasswordAsync(admin, AdminPassword));
                Assert.True(await users.IsInRoleAsync(admin, Roles.Admin));
                var locked = await users.FindByEmailAsync("locked@copy.test");
                Assert.True(await users.IsLockedOutAsync(locked!));
                Assert.True((await users.FindByEmailAsync("gone@copy.test"))!.IsDeactivated);
            }

            // The sequences continue after the copied ids: new rows get new ids through EF.
            var maxConversation = await postgres.Conversations.MaxAsync(c => c.Id);
            var maxMessage = await postgres.Messages.MaxAsync(m => m.Id);
            var channel = await postgres.Channels.SingleAsync(c => c.Type == ChannelType.Api);
            await using (var db = NewPostgresContext(target))
            {
                var conversation = await db.AddConversationAsync(await db.Channels.SingleAsync(c => c.Id == channel.Id), "Depois da cópia", TestData.Now);
                db.Labels.Add(new Label("Nova", "#000000"));
                await db.SaveChangesAsync();
                Assert.True(conversation.Id > maxConversation);
                Assert.True(await db.Messages.MaxAsync(m => m.Id) > maxMessage);
            }

            // A second copy into the same database is refused and changes nothing.
            var before = await CountsAsync(target, DatabaseProvider.PostgreSql, tables);
            var refused = await Assert.ThrowsAsync<DataCopyException>(() =>
                new DataCopier(source.Settings, DatabaseSettings.PostgreSql(target)).CopyAsync());
            Assert.Contains("not empty", refused.Message);
            Assert.Contains("nothing was written", refused.Message);
            Assert.Contains("Conversations", refused.Message);
            Assert.Equal(before, await CountsAsync(target, DatabaseProvider.PostgreSql, tables));
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }

    [Fact]
    public async Task Copy_ThatFailsHalfway_LeavesTheTargetEmpty_AndNamesTheTable()
    {
        await using var source = await TestDatabase.CreateSqliteAsync();
        await SeedAsync(source);
        // SQLite does not enforce lengths; PostgreSQL's character varying(100) refuses this one, after the users went in.
        await using (var connection = new SqliteConnection(source.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE \"Channels\" SET \"Name\" = $name WHERE \"Type\" = 'Api'";
            command.Parameters.AddWithValue("$name", new string('x', 150));
            await command.ExecuteNonQueryAsync();
        }

        var target = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            var failed = await Assert.ThrowsAsync<DataCopyException>(() =>
                new DataCopier(source.Settings, DatabaseSettings.PostgreSql(target)).CopyAsync());

            Assert.Contains("Channels", failed.Message);
            Assert.Contains("too long", failed.Message);
            await using var sqlite = source.NewContext();
            var tables = DataCopier.TablesInDependencyOrder(sqlite).Select(t => t.Name).ToList();
            Assert.True(tables.IndexOf("AspNetUsers") < tables.IndexOf("Channels"));
            Assert.All(await CountsAsync(target, DatabaseProvider.PostgreSql, tables), c => Assert.Equal(0, c.Value));

            // Fixed at the source, the same (migrated, empty) target takes the copy.
            await using (var connection = new SqliteConnection(source.ConnectionString))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "UPDATE \"Channels\" SET \"Name\" = 'API' WHERE \"Type\" = 'Api'";
                await command.ExecuteNonQueryAsync();
            }

            var result = await new DataCopier(source.Settings, DatabaseSettings.PostgreSql(target)).CopyAsync();
            Assert.True(result.Committed);
            Assert.Empty(result.AppliedMigrations);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }

    [Fact]
    public async Task Copy_FromADatabaseThisVersionHasNotMigrated_IsRefused()
    {
        await using var legacy = await TestDatabase.CreateFromLegacySqlAsync();
        var target = await TestPostgres.CreateEmptyDatabaseAsync();
        try
        {
            var refused = await Assert.ThrowsAsync<DataCopyException>(() =>
                new DataCopier(legacy.Settings, DatabaseSettings.PostgreSql(target)).CopyAsync());

            Assert.Contains("Start this version of TalkToMe on it once", refused.Message);
            // Refused before the target was touched: not even migrated.
            await using var connection = new NpgsqlConnection(target);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT to_regclass('\"__EFMigrationsHistory\"') IS NULL", connection);
            Assert.True((bool)(await command.ExecuteScalarAsync())!);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(target);
        }
    }

    [Fact]
    public void TablesInDependencyOrder_PutsEveryTableAfterTheTablesItsForeignKeysPointAt()
    {
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        DatabaseSettings.PostgreSql("Host=localhost;Database=unused").Configure(options);
        using var db = new TalkToMeDbContext(options.Options);

        var tables = DataCopier.TablesInDependencyOrder(db);

        var position = tables.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i);
        Assert.Equal(db.Model.GetRelationalModel().Tables.Count(), tables.Count);
        foreach (var table in tables)
        {
            foreach (var fk in table.ForeignKeyConstraints.Where(fk => fk.PrincipalTable != table))
            {
                Assert.True(position[fk.PrincipalTable.Name] < position[table.Name], $"{table.Name} before {fk.PrincipalTable.Name}");
            }
        }
    }

    [Theory]
    [InlineData(1L, typeof(bool), true)]
    [InlineData(0L, typeof(bool), false)]
    [InlineData(42L, typeof(int), 42)]
    [InlineData(638_000_000_000_000_000L, typeof(long), 638_000_000_000_000_000L)]
    [InlineData("Olá", typeof(string), "Olá")]
    public void ConvertValue_TurnsSqliteStorageClassesIntoThePostgreSqlColumnType(object raw, Type type, object expected) =>
        Assert.Equal(expected, DataCopier.ConvertValue(raw, type));

    [Fact]
    public void ConvertValue_ReadsGuidsAndOffsetsAsSqliteStoresThem()
    {
        var id = Guid.NewGuid();
        Assert.Equal(id, DataCopier.ConvertValue(id.ToString().ToUpperInvariant(), typeof(Guid)));
        Assert.Equal(id, DataCopier.ConvertValue(id.ToByteArray(), typeof(Guid)));
        var offset = (DateTimeOffset)DataCopier.ConvertValue("2026-11-02 12:30:00.1234567-03:00", typeof(DateTimeOffset));
        Assert.Equal(TimeSpan.Zero, offset.Offset);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 15, 30, 0, TimeSpan.Zero).AddTicks(1_234_567), offset);
        Assert.Throws<OverflowException>(() => DataCopier.ConvertValue(long.MaxValue, typeof(int)));
    }

    /// <summary>What a seeded database holds that a test checks by id.</summary>
    public sealed record Seeded(int LabelledConversationId, long OutboundMessageId, Guid DeliveryId, string AgentId,
        DateTime SnoozedUntil, string AdminPasswordHash);

    /// <summary>
    /// A realistic installation: users with roles (one locked out, one deactivated), channels with settings JSON and Keep
    /// Alive, a channel group, a flow with steps, contacts with identities, conversations with labels, messages of every
    /// kind (an outbound one pending with its DeliveryId), an API token, an unprocessed delivery, canned responses, a
    /// macro and a WhatsApp template.
    /// </summary>
    public static async Task<Seeded> SeedAsync(TestDatabase database)
    {
        await using var services = IdentityServices(database.Settings);
        string adminId, agentId, adminHash;
        await using (var scope = services.CreateAsyncScope())
        {
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            foreach (var role in Roles.All)
            {
                Assert.True((await roles.CreateAsync(new IdentityRole(role))).Succeeded);
            }

            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var admin = await CreateUserAsync(users, "admin@copy.test", "Administradora", Roles.Admin);
            var agent = await CreateUserAsync(users, "agent@copy.test", "Agente Ana", Roles.Agent);
            var locked = await CreateUserAsync(users, "locked@copy.test", "Bloqueado", Roles.Agent);
            Assert.True((await users.SetLockoutEndDateAsync(locked, DateTimeOffset.UtcNow.AddHours(1))).Succeeded);
            var gone = await CreateUserAsync(users, "gone@copy.test", "Desativado", Roles.Agent);
            gone.IsDeactivated = true;
            Assert.True((await users.UpdateAsync(gone)).Succeeded);
            adminId = admin.Id;
            agentId = agent.Id;
            adminHash = admin.PasswordHash!;
        }

        var tokens = services.GetRequiredService<ApiTokenService>();
        Assert.True((await tokens.CreateAsync(adminId, "Integração")).Succeeded);

        await using var db = database.NewContext();
        var flow = new Flow("Boas-vindas", TestData.Now);
        var group = new ChannelGroup("Atendimento", "Canais do suporte");
        // The team (ChannelGroupAgents): Ana answers this group's channels, restricted to them.
        var ana = await db.Users.SingleAsync(u => u.Id == agentId);
        ana.RestrictedToGroups = true;
        group.SetAgents([ana]);
        db.Flows.Add(flow);
        db.ChannelGroups.Add(group);
        await db.SaveChangesAsync();
        var menu = new FlowStep(FlowStepType.Menu, "Escolha uma opção")
        {
            Options = [new MenuOption("Suporte", MenuTargetType.ChannelGroup, group.Id.ToString()), new MenuOption("Vendas", MenuTargetType.Agent, agentId)],
        };
        var transfer = new FlowStep(FlowStepType.Transfer, "Transferindo…") { TransferGroupId = group.Id, TransferAgentId = agentId };
        flow.ReplaceSteps([menu, transfer]);

        var api = await db.AddChannelAsync("API");
        api.SetApiTokenHash(Secrets.Hash(Secrets.NewToken("ttm_api")));
        var telegram = await db.AddChannelAsync("Telegram", ChannelType.Telegram);
        telegram.SetSettings(new TelegramSettings { BotToken = "123456:copied-token", WebhookSecretToken = "segredo" });
        telegram.ConfigureKeepAlive(new KeepAliveSettings
        {
            IsEnabled = true, InactivityAmount = 10, InactivityMessage = "Ainda está aí?", FinalizationAmount = 1,
            FinalizationUnit = TimeUnit.Hours, FinalizationMessage = "Encerrando.",
        });
        telegram.SetFlows(flow.Id, null);
        var whatsApp = await db.AddChannelAsync("WhatsApp", ChannelType.WhatsApp);
        var retired = await db.AddChannelAsync("Antigo", ChannelType.Website);
        retired.SetSwitches(isActive: false, allowsActiveContact: false);
        retired.Delete(TestData.Now);
        group.SetChannels([api, telegram]);
        db.WhatsAppTemplates.Add(new WhatsAppTemplate(whatsApp.Id, "pedido_enviado", "pt_BR", "UTILITY", "Seu pedido {{1}} saiu.", TestData.Now));
        db.UnprocessedDeliveries.Add(new UnprocessedDelivery(telegram.Id, "{\"update_id\":1,\"text\":\"ção\"}", "Sem remetente", TestData.Now));
        // The app writes this table only on PostgreSQL (on SQLite the keys are files), but a row in it is data like any other.
        db.SigningKeys.Add(new SigningKey("key-0f1e2d3c", "<key id=\"0f1e2d3c\" version=\"1\"><encryptedSecret /></key>"));
        var urgent = new Label("Urgente", "#e53935");
        var vip = new Label("VIP", "#8e24aa");
        db.Labels.AddRange(urgent, vip, new Label("Sem uso", "#cccccc"));
        db.CannedResponses.Add(new CannedResponse("oi", "Olá! Como posso ajudar?"));
        db.Macros.Add(new Macro("Fechar urgente", [new MacroAction(MacroActionType.AddLabel, "Urgente"), new MacroAction(MacroActionType.Resolve, null)]));
        await db.SaveChangesAsync();
        // A profile look-up still queued when the copy runs.
        await database.Units().InTransactionAsync(unit => QueuedProfileLookup.AddAsync(unit, whatsApp.Id, "5511999990000", TestData.Now, default));

        var labelled = await db.AddConversationAsync(telegram, "Maria 😀", TestData.Now.AddMinutes(-30), "Preciso de ajuda");
        labelled.AddLabel(urgent);
        labelled.AddLabel(vip);
        labelled.Assign(agentId);
        labelled.SetPriority(ConversationPriority.High);
        labelled.Snooze(TestData.Now.AddHours(2));
        labelled.SetAttributesJson("{\"pedido\":\"A-1\"}");
        labelled.Contact.SetDetails("maria@example.com", "+55 11 99999-0000");
        var outbound = Message.Outgoing(labelled, "Já vamos ver", SenderType.Agent, agentId, "Agente Ana", TestData.Now.AddMinutes(-29));
        db.Messages.Add(outbound);
        db.Messages.Add(Message.PrivateNote(labelled, "Cliente VIP", agentId, "Agente Ana", TestData.Now.AddMinutes(-28)));
        db.Messages.Add(Message.Activity(labelled, new ActivityData(ActivityKind.LabelAdded) { Actor = "Agente Ana", Label = "VIP" }, TestData.Now.AddMinutes(-27)));
        var sent = Message.Outgoing(labelled, "Enviada", SenderType.Agent, agentId, "Agente Ana", TestData.Now.AddMinutes(-26));
        sent.MarkSent("tg-991", TestData.Now.AddMinutes(-26));
        db.Messages.Add(sent);
        await db.SaveChangesAsync();
        // The parts of a reply that went out as two provider messages (a retry skips them).
        db.DeliveredParts.Add(new DeliveredPart(sent.Id, 0, "tg-991", TestData.Now.AddMinutes(-26)));
        db.DeliveredParts.Add(new DeliveredPart(sent.Id, 1, null, TestData.Now.AddMinutes(-26)));
        await db.SaveChangesAsync();
        // A customer's place (its details are JSON) and a photo still to fetch (its claim time is a tick count).
        var photo = Message.Incoming(labelled, "📷 Foto", "wamid.photo", TestData.Now.AddMinutes(-25));
        db.Messages.Add(photo);
        await db.SaveChangesAsync();
        db.Attachments.Add(new TalkToMe.Core.Media.Attachment(photo.Id, labelled.Id, labelled.ChannelId,
            new TalkToMe.Core.Media.InboundMedia(TalkToMe.Core.Media.MediaKind.Image, "media-id-1", "image/jpeg"), TestData.Now.AddMinutes(-25)));
        db.Attachments.Add(new TalkToMe.Core.Media.Attachment(photo.Id, labelled.Id, labelled.ChannelId,
            TalkToMe.Core.Media.InboundMedia.Place(-23.56, -46.65, "Loja", "Av. Paulista"), TestData.Now.AddMinutes(-25)));
        await db.SaveChangesAsync();

        var resolved = await db.AddConversationAsync(api, "João", TestData.Now.AddDays(-1), "Obrigado");
        resolved.Resolve(TestData.Now.AddHours(-20));
        resolved.SetSubject("Pedido #42");
        for (var i = 0; i < ExtraMessages; i++)
        {
            db.Messages.Add(Message.Incoming(resolved, $"mensagem {i}", $"ext-{i}", TestData.Now.AddHours(-23).AddSeconds(i)));
        }

        // A channel with automatic assignment whose round-robin cursor names the agent (the copy keeps both).
        var assignment = new ChannelAssignment(api.Id);
        assignment.SetMode(AutoAssignMode.RoundRobin);
        assignment.Assigned(agentId, TestData.Now.AddMinutes(-5));
        db.ChannelAssignments.Add(assignment);
        await db.SaveChangesAsync();
        // The rows above were written without units of work: count them, so the report tables have rows to copy too.
        await TalkToMe.Core.Reports.ReportRollups.RebuildAsync(database.Units());
        return new Seeded(labelled.Id, outbound.Id, outbound.DeliveryId!.Value, agentId, TestData.Now.AddHours(2), adminHash);
    }

    private static async Task<AppUser> CreateUserAsync(UserManager<AppUser> users, string email, string name, string role)
    {
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = TestData.Now };
        var created = await users.CreateAsync(user, AdminPassword);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return user;
    }

    /// <summary>The app's Core services with Identity's user and role managers, as the web app registers them.</summary>
    private static ServiceProvider IdentityServices(DatabaseSettings database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTalkToMeCore(database);
        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<TalkToMeDbContext>();
        return services.BuildServiceProvider();
    }

    public static TalkToMeDbContext NewPostgresContext(string connectionString)
    {
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        DatabaseSettings.PostgreSql(connectionString).Configure(options);
        return new TalkToMeDbContext(options.Options);
    }

    /// <summary>Row count per table, straight from the database.</summary>
    public static async Task<Dictionary<string, long>> CountsAsync(string connectionString, DatabaseProvider provider, IEnumerable<string> tables)
    {
        await using System.Data.Common.DbConnection connection = provider == DatabaseProvider.PostgreSql
            ? new NpgsqlConnection(connectionString)
            : new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var counts = new Dictionary<string, long>();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
            counts[table] = Convert.ToInt64(await command.ExecuteScalarAsync());
        }

        return counts;
    }

    /// <summary>
    /// Every row of every entity type (join tables and Identity's included) is on both sides with equal values: compared
    /// as EF stores them (UTC ticks, JSON text, enum names), matched by primary key.
    /// </summary>
    private static async Task AssertSameRowsAsync(TalkToMeDbContext sqlite, TalkToMeDbContext postgres)
    {
        foreach (var entityType in sqlite.GetService<IDesignTimeModel>().Model.GetEntityTypes().Where(e => !e.IsOwned()))
        {
            var left = await RowsAsync(sqlite, entityType.Name);
            var right = await RowsAsync(postgres, entityType.Name);
            Assert.True(left.Count == right.Count, $"{entityType.Name}: {left.Count} rows in SQLite, {right.Count} in PostgreSQL");
            Assert.True(left.Count > 0 || entityType.GetTableName() is "AspNetUserClaims" or "AspNetUserLogins" or "AspNetUserTokens" or "AspNetRoleClaims",
                $"{entityType.Name} has no row to compare");
            foreach (var (key, row) in left)
            {
                Assert.True(right.TryGetValue(key, out var other), $"{entityType.Name} {key} is missing in PostgreSQL");
                foreach (var (column, value) in row)
                {
                    var copied = other[column];
                    if (value is DateTimeOffset at && copied is DateTimeOffset copiedAt)
                    {
                        // PostgreSQL keeps microseconds, SQLite's text keeps ticks: the same instant to the microsecond.
                        Assert.True(Math.Abs((at - copiedAt).Ticks) < 10, $"{entityType.Name} {key} {column}: {at:O} became {copiedAt:O}");
                        continue;
                    }

                    Assert.True(Equals(value, copied), $"{entityType.Name} {key} {column}: '{value}' became '{copied}'");
                }
            }
        }
    }

    /// <summary>An entity type's rows as column → provider value, keyed by the primary key's values.</summary>
    private static async Task<Dictionary<string, Dictionary<string, object?>>> RowsAsync(TalkToMeDbContext db, string entityTypeName)
    {
        var entityType = db.Model.FindEntityType(entityTypeName)!;
        IQueryable query = entityType.HasSharedClrType
            ? db.Set<Dictionary<string, object>>(entityType.Name).AsNoTracking()
            : (IQueryable)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(entityType.ClrType).Invoke(db, null)!;
        var rows = new Dictionary<string, Dictionary<string, object?>>();
        await Task.Yield();
        foreach (var entity in (IEnumerable)query)
        {
            var values = new Dictionary<string, object?>();
            AddValues(db, entity, entityType, values, "");
            var key = string.Join("|", entityType.FindPrimaryKey()!.Properties.Select(p => values[p.Name]));
            rows[key] = values;
        }

        db.ChangeTracker.Clear();
        return rows;
    }

    private static void AddValues(TalkToMeDbContext db, object entity, IEntityType entityType, Dictionary<string, object?> values, string prefix)
    {
        if (entity is Dictionary<string, object> shared)
        {
            // A join table (channel-group members, conversation labels): a property bag.
            foreach (var property in entityType.GetProperties())
            {
                values[prefix + property.Name] = shared[property.Name];
            }

            return;
        }

        var entry = db.Entry(entity);
        foreach (var property in entityType.GetProperties())
        {
            var value = entry.Property(property.Name).CurrentValue;
            var converter = property.GetTypeMapping().Converter;
            values[prefix + property.Name] = value is not null && converter is not null ? converter.ConvertToProvider(value) : value;
        }

        foreach (var navigation in entityType.GetNavigations().Where(n => n.TargetEntityType.IsOwned() && n.ForeignKey.IsOwnership))
        {
            if (entry.Navigation(navigation.Name).CurrentValue is { } owned)
            {
                AddValues(db, owned, navigation.TargetEntityType, values, prefix + navigation.Name + ".");
            }
        }
    }
}
