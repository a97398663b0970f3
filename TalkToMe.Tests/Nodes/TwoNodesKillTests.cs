using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Npgsql;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Nodes;

/// <summary>
/// Node A dies (SIGKILL) during an inbound burst while its replies hang at a slow receiver: every acknowledged message
/// is stored once, node B keeps serving live updates (to an integration's hub client and to an agent's open inbox), and
/// node B delivers the replies A had claimed once their lease ends.
/// </summary>
[Collection(NodesCollection.Name)]
public sealed class TwoNodesKillTests(ITestOutputHelper output)
{
    private const int Replies = 8;

    [Fact]
    public async Task NodeAKilledDuringABurst_LosesNoAcknowledgedMessage_AndNodeBDeliversTheRepliesNodeAHadClaimed()
    {
        var database = await TestPostgres.CreateMigratedDatabaseAsync();
        var folders = new List<string>();
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await WebhookReceiver.StartAsync();
        // The receiver holds every request until node A is dead: A's sends are claimed and in flight when it dies.
        receiver.Respond = async (_, _, cancellationToken) =>
        {
            await released.Task.WaitAsync(cancellationToken);
            return 200;
        };
        var (channelId, channelToken, adminToken, deliveryIds) = await SeedAsync(database, receiver.Url);
        var redis = TestRedis.NewConnectionString();
        Dictionary<string, string?> Settings()
        {
            folders.Add(Directory.CreateTempSubdirectory("talktome-node-").FullName);
            return new()
            {
                ["TalkToMe:Database:Provider"] = "PostgreSql",
                ["ConnectionStrings:TalkToMe"] = database,
                ["ConnectionStrings:Redis"] = redis,
                ["TalkToMe:DataFolder"] = folders[^1],
                ["TalkToMe:SeedDemoData"] = "false",
                // A claim holds 20 s and a send may take a minute: only A's death, not a timeout, hands the replies to B.
                ["TalkToMe:Outbound:ClaimLease"] = "00:00:20",
                ["TalkToMe:Outbound:SendTimeout"] = "00:01:00",
            };
        }

        AppProcess? nodeA = null, nodeB = null;
        try
        {
            nodeA = await AppProcess.StartAsync(Path.Combine(Path.GetTempPath(), "unused.db"), Settings());
            // A's first pass claims every reply; the receiver holds them all.
            await receiver.WaitForAsync(Replies, TimeSpan.FromSeconds(30));
            nodeB = await AppProcess.StartAsync(Path.Combine(Path.GetTempPath(), "unused.db"), Settings());
            var addedOnB = new ConcurrentBag<long>();
            await using var hubB = new HubConnectionBuilder()
                .WithUrl(nodeB.BaseUrl + "/hubs/inbox", o => o.AccessTokenProvider = () => Task.FromResult<string?>(adminToken))
                .Build();
            hubB.On<JsonElement>("MessageAdded", e => addedOnB.Add(e.GetProperty("messageId").GetInt64()));
            await hubB.StartAsync();

            // An agent's inbox open on node B through the whole test.
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserFixture.LaunchChromiumAsync(playwright);
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "pt-BR" });
            context.SetDefaultTimeout(30_000);
            var page = await context.NewPageAsync();
            await page.GotoAsync(nodeB.BaseUrl + "/account/login");
            await page.GetByLabel("E-mail").FillAsync(TestApp.AdminEmail);
            await page.GetByLabel("Senha").FillAsync(TestApp.AdminPassword);
            await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
            await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
            await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            var list = page.GetByTestId("conversation-list");

            // The burst on A: 16 senders; A is killed once 150 messages are acknowledged.
            var acknowledged = new ConcurrentBag<string>();
            var killed = 0;
            var next = -1;
            using (var client = Client(nodeA.BaseUrl, channelToken))
            {
                var senders = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
                {
                    int i;
                    while (Volatile.Read(ref killed) == 0 && (i = Interlocked.Increment(ref next)) < 600)
                    {
                        try
                        {
                            using var response = await client.PostAsync($"/api/v1/channels/{channelId}/messages", Body($"burst-{i:000}"));
                            if (response.IsSuccessStatusCode)
                            {
                                acknowledged.Add($"burst-{i:000}");
                            }
                        }
                        catch (HttpRequestException)
                        {
                            // The node died under this request: it was never acknowledged.
                        }
                        catch (TaskCanceledException)
                        {
                        }
                    }
                })).ToList();
                while (acknowledged.Count < 150 && !senders.All(s => s.IsCompleted))
                {
                    await Task.Delay(5);
                }

                await nodeA.KillAsync();
                Volatile.Write(ref killed, 1);
                await Task.WhenAll(senders);
            }

            released.TrySetResult();
            output.WriteLine($"{acknowledged.Count} acknowledged before node A was killed");

            // Every acknowledged message is stored, once.
            var stored = await StoredAsync(database, channelId);
            Assert.All(acknowledged, id => Assert.Equal(1, stored.GetValueOrDefault(id)));
            Assert.All(stored, s => Assert.Equal(1, s.Value));
            // Node B heard A's messages live (its hub client and the agent's page), and keeps updating after A's death.
            Assert.NotEmpty(addedOnB);
            await Expect(list.GetByText(new Regex("Mensagem burst-[0-9]{3}")).First).ToBeVisibleAsync(new() { Timeout = 20_000 });
            using (var client = Client(nodeB.BaseUrl, channelToken))
            {
                using var response = await client.PostAsync($"/api/v1/channels/{channelId}/messages", Body("after-the-crash"));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            var afterCrash = (await StoredAsync(database, channelId, withIds: true)).Single(s => s.Key == "after-the-crash").Id;
            await WaitUntilAsync(() => addedOnB.Contains(afterCrash), "node B's hub client heard the message posted after the crash");
            await Expect(list.GetByText("Mensagem after-the-crash")).ToBeVisibleAsync(new() { Timeout = 20_000 });
            Assert.DoesNotContain("/account/login", page.Url);

            // Node B sends the replies A had claimed once their lease ends, each to the receiver that never answered A.
            await WaitUntilAsync(async () => await SentRepliesAsync(database) == Replies, "every reply A had claimed is sent", 90);
            var received = receiver.Received.GroupBy(r => r.DeliveryId).ToDictionary(g => g.Key, g => g.Count());
            Assert.All(deliveryIds, id => Assert.True(received.GetValueOrDefault(id.ToString()) >= 2,
                $"delivery {id}: received {received.GetValueOrDefault(id.ToString())} times (once from A, then from B)"));
        }
        finally
        {
            if (nodeB is not null)
            {
                await nodeB.DisposeAsync();
            }

            if (nodeA is not null)
            {
                await nodeA.DisposeAsync();
            }

            released.TrySetResult();
            NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(database);
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static TalkToMeDbContext Db(string database)
    {
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        DatabaseSettings.PostgreSql(database).Configure(options);
        return new TalkToMeDbContext(options.Options);
    }

    /// <summary>The admin, an API channel whose webhook is the receiver, and one pending reply in each of 8 conversations.</summary>
    private static async Task<(int ChannelId, string ChannelToken, string AdminToken, List<Guid> DeliveryIds)> SeedAsync(string database, string webhookUrl)
    {
        await using var db = Db(database);
        var now = DateTime.UtcNow;
        var admin = new AppUser { UserName = TestApp.AdminEmail, Email = TestApp.AdminEmail, DisplayName = "Admin", CreatedAt = now };
        admin.NormalizedEmail = admin.NormalizedUserName = TestApp.AdminEmail.ToUpperInvariant();
        admin.SecurityStamp = Guid.NewGuid().ToString("N");
        admin.PasswordHash = new PasswordHasher<AppUser>().HashPassword(admin, TestApp.AdminPassword);
        db.Users.Add(admin);
        var adminRole = await db.Roles.SingleOrDefaultAsync(r => r.Name == Roles.Admin);
        var channelToken = Secrets.NewToken("ttmch");
        var channel = new Channel("API Nós", ChannelType.Api, Secrets.NewKey(), now);
        channel.SetApiTokenHash(Secrets.Hash(channelToken));
        channel.SetSettings(new ApiChannelSettings { WebhookUrl = webhookUrl, WebhookSecret = "segredo-nos" });
        channel.SetSwitches(true, allowsActiveContact: false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        if (adminRole is not null)
        {
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = admin.Id, RoleId = adminRole.Id });
        }

        var adminToken = Secrets.NewToken("ttm");
        db.ApiTokens.Add(new ApiToken(admin.Id, "nodes", Secrets.Hash(adminToken), adminToken[..8], now));
        var replies = new List<Message>();
        for (var i = 0; i < Replies; i++)
        {
            var conversation = await db.AddConversationAsync(channel, $"Cliente {i}", now);
            var reply = Message.Outgoing(conversation, $"Resposta {i}", SenderType.Agent, admin.Id, "Admin", now);
            db.Messages.Add(reply);
            replies.Add(reply);
        }

        await db.SaveChangesAsync();
        return (channel.Id, channelToken, adminToken, replies.Select(r => r.DeliveryId!.Value).ToList());
    }

    private static async Task<Dictionary<string, int>> StoredAsync(string database, int channelId)
    {
        await using var db = Db(database);
        return await db.Messages.AsNoTracking()
            .Where(m => m.ChannelId == channelId && m.Direction == MessageDirection.Incoming && m.ExternalId != null)
            .GroupBy(m => m.ExternalId!).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count);
    }

    private static async Task<List<(string Key, long Id)>> StoredAsync(string database, int channelId, bool withIds)
    {
        await using var db = Db(database);
        var rows = await db.Messages.AsNoTracking()
            .Where(m => m.ChannelId == channelId && m.Direction == MessageDirection.Incoming && m.ExternalId != null)
            .Select(m => new { m.ExternalId, m.Id }).ToListAsync();
        return rows.Select(r => (r.ExternalId!, r.Id)).ToList();
    }

    private static async Task<int> SentRepliesAsync(string database)
    {
        await using var db = Db(database);
        return await db.Messages.CountAsync(m => m.Direction == MessageDirection.Outgoing && m.DeliveryStatus == DeliveryStatus.Sent);
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 30) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, seconds);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not within {seconds} s: {what}");
            await Task.Delay(200);
        }
    }

    private static HttpClient Client(string baseUrl, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Body(string id) =>
        new(JsonSerializer.Serialize(new { id, contact = new { id = "c-" + id[^2..], name = "Cliente" }, text = "Mensagem " + id }),
            Encoding.UTF8, "application/json");
}
