using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Npgsql;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Nodes;

/// <summary>
/// Two app processes on one PostgreSQL database with Redis between them, as behind a load balancer: what one node
/// stores reaches the agents and integrations of the other at once, a cookie from one signs in on the other, and work
/// that either node could do is done once.
/// </summary>
[Collection(NodesCollection.Name)]
public sealed class TwoNodesTests : IAsyncLifetime
{
    private readonly List<string> _folders = [];
    private string _database = "";
    private AppProcess _nodeA = null!;
    private AppProcess _nodeB = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateEmptyDatabaseAsync();
        var redis = TestRedis.NewConnectionString();
        // A first, so one node migrates the empty database and creates the admin before the other looks at it.
        _nodeA = await StartNodeAsync(redis);
        _nodeB = await StartNodeAsync(redis);
    }

    public async Task DisposeAsync()
    {
        await _nodeB.DisposeAsync();
        await _nodeA.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await TestPostgres.DropDatabaseAsync(_database);
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<AppProcess> StartNodeAsync(string redis)
    {
        // Each node its own data folder: the keys that sign cookies must come from the database, not from a shared disk.
        var folder = Directory.CreateTempSubdirectory("talktome-node-").FullName;
        _folders.Add(folder);
        return await AppProcess.StartAsync(Path.Combine(folder, "unused.db"), new Dictionary<string, string?>
        {
            ["TalkToMe:Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:TalkToMe"] = _database,
            ["ConnectionStrings:Redis"] = redis,
            ["TalkToMe:DataFolder"] = folder,
        });
    }

    private TalkToMeDbContext Db()
    {
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        DatabaseSettings.PostgreSql(_database).Configure(options);
        return new TalkToMeDbContext(options.Options);
    }

    [Fact]
    public async Task ConversationPostedOnNodeA_ShowsLiveOnNodeB_AndTheReplyTypedOnNodeB_ReachesTheWebhookOnce()
    {
        try
        {
            await PostOnNodeA_ReplyOnNodeB();
        }
        catch (Exception failure)
        {
            // What either node logged (warnings and errors) is what explains a crashed circuit or a lost event.
            throw new Exception($"{failure.Message}\n--- node A ---\n{_nodeA.Output}\n--- node B ---\n{_nodeB.Output}", failure);
        }
    }

    private async Task PostOnNodeA_ReplyOnNodeB()
    {
        Assertions.SetDefaultExpectTimeout(15_000);
        await using var webhook = await WebhookReceiver.StartAsync();
        var (channelId, channelToken) = await CreateApiChannelAsync(webhook.Url);
        var personalToken = await CreateAdminTokenAsync();
        await using var hubA = await ConnectHubAsync(_nodeA, personalToken);
        await using var hubB = await ConnectHubAsync(_nodeB, personalToken);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFixture.LaunchChromiumAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "pt-BR" });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        // Signed in on node A; the cookie (same host, another port) must open node B's inbox.
        await page.GotoAsync(_nodeA.BaseUrl + "/account/login");
        await page.GetByLabel("E-mail").FillAsync(TestApp.AdminEmail);
        await page.GetByLabel("Senha").FillAsync(TestApp.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Entrar" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        await page.GotoAsync(_nodeB.BaseUrl + "/");
        await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.DoesNotContain("/account/login", page.Url);

        using (var client = new HttpClient { BaseAddress = new Uri(_nodeA.BaseUrl) })
        {
            var post = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/channels/{channelId}/messages")
            {
                Content = new StringContent("""{"id":"node-a-1","contact":{"id":"c-nodes","name":"Cliente do Nó A"},"text":"Olá, cheguei pelo nó A"}""",
                    Encoding.UTF8, "application/json"),
            };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
            Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(post)).StatusCode);
        }

        // Node B's page shows it without a reload.
        var row = page.GetByTestId("conversation-list").Locator("a, [role=option], li", new() { HasText = "Cliente do Nó A" }).First;
        await Expect(row).ToBeVisibleAsync();
        await row.ClickAsync();
        await Expect(page.GetByTestId("thread").GetByText("Olá, cheguei pelo nó A")).ToBeVisibleAsync();

        var reply = page.GetByLabel("Responder");
        await PageActions.WaitForReplyBoxAsync(page);
        await reply.FillAsync("Resposta do nó B");
        await reply.PressAsync("Enter");
        var sent = page.GetByTestId("thread").Locator("[data-testid=message]", new() { HasText = "Resposta do nó B" });
        await Expect(sent).ToBeVisibleAsync();
        var hook = (await webhook.WaitForAsync(1, TimeSpan.FromSeconds(45)))[0];
        Assert.Contains("Resposta do nó B", hook.Body);
        await Expect(sent.GetByTestId("delivery")).ToHaveTextAsync("enviada");

        // Both nodes run the outbound dispatcher: the reply went out once. Integrations on either node heard each event once.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(webhook.Received);
        long customerMessageId;
        await using (var db = Db())
        {
            customerMessageId = await db.Messages.Where(m => m.Content == "Olá, cheguei pelo nó A").Select(m => m.Id).SingleAsync();
        }

        Assert.Equal(1, hubA.MessagesAdded(customerMessageId));
        Assert.Equal(1, hubB.MessagesAdded(customerMessageId));
    }

    private async Task<(int ChannelId, string Token)> CreateApiChannelAsync(string webhookUrl)
    {
        await using var db = Db();
        var token = Secrets.NewToken("ttmch");
        var channel = new Channel("API Nós", ChannelType.Api, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetApiTokenHash(Secrets.Hash(token));
        channel.SetSettings(new ApiChannelSettings { WebhookUrl = webhookUrl, WebhookSecret = "segredo-nos" });
        channel.SetSwitches(true, allowsActiveContact: false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return (channel.Id, token);
    }

    private async Task<string> CreateAdminTokenAsync()
    {
        await using var db = Db();
        var admin = await db.Users.SingleAsync(u => u.Email == TestApp.AdminEmail);
        var token = Secrets.NewToken("ttm");
        db.ApiTokens.Add(new ApiToken(admin.Id, "nodes", Secrets.Hash(token), token[..8], DateTime.UtcNow));
        await db.SaveChangesAsync();
        return token;
    }

    private static async Task<HubListener> ConnectHubAsync(AppProcess node, string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(node.BaseUrl + "/hubs/inbox", options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var listener = new HubListener(connection);
        await connection.StartAsync();
        return listener;
    }

    /// <summary>The ids of the messages in every MessageAdded a hub client received, repeats included.</summary>
    private sealed class HubListener : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        private readonly ConcurrentBag<long> _added = [];

        public HubListener(HubConnection connection)
        {
            _connection = connection;
            connection.On<JsonElement>("MessageAdded", e => _added.Add(e.GetProperty("messageId").GetInt64()));
        }

        public int MessagesAdded(long messageId) => _added.Count(id => id == messageId);

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}
