using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Endpoints;

/// <summary>
/// One app for the agent API tests: two API channels, Loja and Suporte; Ana, an agent restricted to the group of Loja; Bia, an
/// agent who sees every channel; and a personal token for each of them and for the admin.
/// </summary>
public sealed class ConversationApiFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;
    public string AdminToken { get; private set; } = "";
    public string AnaToken { get; private set; } = "";
    public string BiaToken { get; private set; } = "";
    public string BiaId { get; private set; } = "";
    public string AnaId { get; private set; } = "";
    public int Loja { get; private set; }
    public string LojaToken { get; private set; } = "";
    public int Suporte { get; private set; }
    public string SuporteToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        App = await TestApp.StartAsync();
        var tokens = App.Services.GetRequiredService<ApiTokenService>();
        await using var scope = App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var admin = (await users.FindByEmailAsync(TestApp.AdminEmail))!;
        AdminToken = (await tokens.CreateAsync(admin.Id, "testes")).Value!;
        var ana = await App.CreateUserAsync("ana.api@talktome.local", "Senha-Agente-123", Roles.Agent, "Ana");
        var bia = await App.CreateUserAsync("bia.api@talktome.local", "Senha-Agente-123", Roles.Agent, "Bia");
        (AnaId, BiaId) = (ana.Id, bia.Id);
        AnaToken = (await tokens.CreateAsync(ana.Id, "integração")).Value!;
        BiaToken = (await tokens.CreateAsync(bia.Id, "integração")).Value!;
        (Loja, LojaToken) = await ApiChannels.CreateAsync(App.Services, "Loja");
        (Suporte, SuporteToken) = await ApiChannels.CreateAsync(App.Services, "Suporte");

        await using (var db = await DbAsync())
        {
            (await db.Users.SingleAsync(u => u.Id == ana.Id)).RestrictedToGroups = true;
            await db.SaveChangesAsync();
        }

        var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync(admin);
        var group = await App.Services.GetRequiredService<ChannelGroupService>()
            .CreateAsync(principal, new ChannelGroupInput("Equipe Loja", null, [Loja], [ana.Id]));
        Assert.True(group.Succeeded);
    }

    public HttpClient Client(string? token)
    {
        var client = App.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public Task<TalkToMeDbContext> DbAsync() =>
        App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();

    /// <summary>A customer message through the API channel, as an outside system sends it; returns the conversation's id.</summary>
    public async Task<int> ReceiveAsync(int channelId, string channelToken, string text, string? contactId = null, string name = "Rita")
    {
        using var http = App.CreateClient();
        var body = JsonSerializer.Serialize(new
        {
            contact = new { id = contactId ?? $"c-{Guid.NewGuid():N}", name },
            text,
            id = Guid.NewGuid().ToString("N"),
        });
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/channels/{channelId}/messages")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
        var response = await http.SendAsync(post);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("conversationId").GetInt32();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Issue 17 item 4: the agent API under /api/v1, with personal tokens, against the real app on its own database.</summary>
public class ConversationApiTests(ConversationApiFixture fixture) : IClassFixture<ConversationApiFixture>
{
    private static async Task<JsonElement> OkAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
    }

    private static async Task<List<int>> ListIdsAsync(HttpClient client, string query)
    {
        var page = await OkAsync(await client.GetAsync("api/v1/conversations?" + query));
        return page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()).ToList();
    }

    [Fact]
    public async Task ListAndRead_WithAnAgentsToken_ShowTheConversationAndItsThread()
    {
        var id = await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Meu pedido não chegou", name: "Carla Souza");
        using var client = fixture.Client(fixture.BiaToken);

        var list = await OkAsync(await client.GetAsync($"api/v1/conversations?channelId={fixture.Loja}"));
        var item = list.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetInt32() == id);
        Assert.Equal("Carla Souza", item.GetProperty("contactName").GetString());
        Assert.Equal("Open", item.GetProperty("status").GetString());

        var conversation = await OkAsync(await client.GetAsync($"api/v1/conversations/{id}"));
        Assert.Equal("Loja", conversation.GetProperty("channelName").GetString());
        Assert.Equal("Api", conversation.GetProperty("channelType").GetString());
        Assert.Equal("Carla Souza", conversation.GetProperty("contact").GetProperty("name").GetString());
        Assert.Equal("Open", conversation.GetProperty("status").GetString());
        Assert.Equal("Meu pedido não chegou", conversation.GetProperty("lastMessagePreview").GetString());
        Assert.Equal(JsonValueKind.Null, conversation.GetProperty("assigneeId").ValueKind);

        var thread = await OkAsync(await client.GetAsync($"api/v1/conversations/{id}/messages"));
        var message = Assert.Single(thread.GetProperty("items").EnumerateArray());
        Assert.Equal("Meu pedido não chegou", message.GetProperty("text").GetString());
        Assert.Equal("Incoming", message.GetProperty("direction").GetString());
        Assert.Equal("Contact", message.GetProperty("senderType").GetString());
        Assert.Equal("Carla Souza", message.GetProperty("senderName").GetString());
        Assert.False(message.GetProperty("private").GetBoolean());
        Assert.Equal(JsonValueKind.Null, thread.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task ReplyAndNote_ThroughTheApi_AreStoredAsTheInboxStoresThem()
    {
        var id = await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Olá?");
        using var client = fixture.Client(fixture.BiaToken);

        var reply = await OkAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages", new { content = " Já verifico. " }),
            HttpStatusCode.Created);
        var note = await OkAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages",
            new { content = "Cliente VIP", @private = true }), HttpStatusCode.Created);

        Assert.Equal("Já verifico.", reply.GetProperty("text").GetString());
        Assert.Equal("Outgoing", reply.GetProperty("direction").GetString());
        Assert.Equal("Pending", reply.GetProperty("deliveryStatus").GetString());
        Assert.False(reply.GetProperty("private").GetBoolean());
        Assert.Equal("PrivateNote", note.GetProperty("kind").GetString());
        Assert.True(note.GetProperty("private").GetBoolean());

        // Stored by the inbox's own command: the reply waits for the dispatcher under Bia's name; the note is never sent.
        await using var db = await fixture.DbAsync();
        var stored = await db.Messages.Where(m => m.ConversationId == id && m.Kind != MessageKind.Activity).OrderBy(m => m.Id).ToListAsync();
        Assert.Equal(["Olá?", "Já verifico.", "Cliente VIP"], stored.Select(m => m.Content));
        Assert.Equal(fixture.BiaId, stored[1].SenderId);
        Assert.Equal("Bia", stored[1].SenderName);
        Assert.Equal(SenderType.Agent, stored[1].SenderType);
        Assert.NotEqual(DeliveryStatus.None, stored[1].DeliveryStatus);
        Assert.Equal(MessageKind.PrivateNote, stored[2].Kind);
        Assert.Equal(DeliveryStatus.None, stored[2].DeliveryStatus);
        Assert.Equal("Já verifico.", (await db.Conversations.SingleAsync(c => c.Id == id)).LastMessagePreview);

        var thread = await OkAsync(await client.GetAsync($"api/v1/conversations/{id}/messages"));
        var note2 = thread.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("text").GetString() == "Cliente VIP");
        Assert.True(note2.GetProperty("private").GetBoolean());
    }

    [Fact]
    public async Task AssignResolveReopen_ThroughTheApi_ChangeTheConversationAsTheInboxDoes()
    {
        var id = await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Preciso de ajuda");
        using var client = fixture.Client(fixture.AnaToken);

        var assigned = await OkAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/assign", new { assigneeId = fixture.AnaId }));
        Assert.Equal(fixture.AnaId, assigned.GetProperty("assigneeId").GetString());
        Assert.Equal("Ana", assigned.GetProperty("assigneeName").GetString());
        Assert.Contains(id, await ListIdsAsync(client, "assignee=mine"));
        Assert.DoesNotContain(id, await ListIdsAsync(client, "assignee=unassigned"));

        var resolved = await OkAsync(await client.PostAsync($"api/v1/conversations/{id}/resolve", null));
        Assert.Equal("Resolved", resolved.GetProperty("status").GetString());
        Assert.DoesNotContain(id, await ListIdsAsync(client, ""));
        Assert.Contains(id, await ListIdsAsync(client, "status=resolved"));

        // Resolving again is refused by the conversation's own rule, and changes nothing.
        var again = await client.PostAsync($"api/v1/conversations/{id}/resolve", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var reopened = await OkAsync(await client.PostAsync($"api/v1/conversations/{id}/reopen", null));
        Assert.Equal("Open", reopened.GetProperty("status").GetString());
        var unassigned = await OkAsync(await client.PostAsync($"api/v1/conversations/{id}/assign",
            new StringContent("""{"assigneeId":null}""", Encoding.UTF8, "application/json")));
        Assert.Equal(JsonValueKind.Null, unassigned.GetProperty("assigneeId").ValueKind);

        // The same activity lines the inbox's buttons write.
        await using var db = await fixture.DbAsync();
        var activity = await db.Messages.Where(m => m.ConversationId == id && m.Kind == MessageKind.Activity).OrderBy(m => m.Id)
            .ToListAsync();
        Assert.Equal([ActivityKind.Assigned, ActivityKind.Resolved, ActivityKind.Reopened, ActivityKind.Unassigned],
            activity.Select(m => m.ActivityData!.Kind));
    }

    [Fact]
    public async Task RestrictedAgent_GetsNotFoundForAnotherGroupsConversation_AndDoesNotListIt()
    {
        var mine = await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Na Loja");
        var other = await fixture.ReceiveAsync(fixture.Suporte, fixture.SuporteToken, "No Suporte", contactId: $"sup-{Guid.NewGuid():N}");
        using var ana = fixture.Client(fixture.AnaToken);

        Assert.Equal(HttpStatusCode.NotFound, (await ana.GetAsync($"api/v1/conversations/{other}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ana.GetAsync($"api/v1/conversations/{other}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ana.PostAsJsonAsync($"api/v1/conversations/{other}/messages", new { content = "Oi" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await ana.PostAsJsonAsync($"api/v1/conversations/{other}/assign", new { assigneeId = fixture.AnaId })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ana.PostAsync($"api/v1/conversations/{other}/resolve", null)).StatusCode);
        // The same answer as for a conversation that does not exist: nothing tells them it does.
        var missing = await ana.GetAsync("api/v1/conversations/99999999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(await missing.Content.ReadAsStringAsync(), await (await ana.GetAsync($"api/v1/conversations/{other}")).Content.ReadAsStringAsync());

        var listed = await ListIdsAsync(ana, "status=all&limit=100");
        Assert.Contains(mine, listed);
        Assert.DoesNotContain(other, listed);
        Assert.Empty(await ListIdsAsync(ana, $"channelId={fixture.Suporte}"));

        await using (var db = await fixture.DbAsync())
        {
            var conversation = await db.Conversations.SingleAsync(c => c.Id == other);
            Assert.Equal(ConversationStatus.Open, conversation.Status);
            Assert.Null(conversation.AssigneeId);
            Assert.Equal(1, await db.Messages.CountAsync(m => m.ConversationId == other));
            // Contacts stay visible to every agent, as on the Contatos page: only the conversation is out of reach.
            Assert.Equal(HttpStatusCode.OK, (await ana.GetAsync($"api/v1/contacts/{conversation.ContactId}")).StatusCode);
        }

        // Bia is not restricted: she sees it.
        using var bia = fixture.Client(fixture.BiaToken);
        Assert.Equal(HttpStatusCode.OK, (await bia.GetAsync($"api/v1/conversations/{other}")).StatusCode);
    }

    [Fact]
    public async Task Paging_ReturnsEveryConversationMessageAndContactExactlyOnce()
    {
        var (channel, token) = await ApiChannels.CreateAsync(fixture.App.Services, "Paginação");
        var created = new List<int>();
        for (var i = 0; i < 7; i++)
        {
            created.Add(await fixture.ReceiveAsync(channel, token, $"Mensagem {i}"));
        }

        using var client = fixture.Client(fixture.AdminToken);
        var seen = new List<int>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await OkAsync(await client.GetAsync(
                $"api/v1/conversations?channelId={channel}&limit=3" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor))));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(created.OrderByDescending(id => id), seen);
        Assert.Equal(3, pages);

        // One conversation's thread of five messages, two at a time.
        var contact = $"pag-{Guid.NewGuid():N}";
        var thread = 0;
        for (var i = 0; i < 5; i++)
        {
            thread = await fixture.ReceiveAsync(channel, token, $"Parte {i}", contactId: contact);
        }

        var texts = new List<string>();
        string? after = null;
        do
        {
            var page = await OkAsync(await client.GetAsync($"api/v1/conversations/{thread}/messages?limit=2" + (after is null ? "" : "&after=" + after)));
            texts.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("text").GetString()!));
            after = page.GetProperty("nextCursor").GetString();
        }
        while (after is not null && texts.Count < 50);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"Parte {i}"), texts);

        // Every contact, three at a time.
        var contacts = new List<int>();
        string? next = null;
        do
        {
            var page = await OkAsync(await client.GetAsync("api/v1/contacts?limit=3" + (next is null ? "" : "&after=" + next)));
            contacts.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()));
            next = page.GetProperty("nextCursor").GetString();
        }
        while (next is not null && contacts.Count < 10_000);

        await using var db = await fixture.DbAsync();
        Assert.Equal(await db.Contacts.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(), contacts);
    }

    [Fact]
    public async Task Contacts_SearchAndRead_FindTheContactByPartOfItsName()
    {
        var name = $"Zeferino {Guid.NewGuid():N}"[..20];
        var id = await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Oi", name: name);
        int contactId;
        await using (var db = await fixture.DbAsync())
        {
            contactId = (await db.Conversations.SingleAsync(c => c.Id == id)).ContactId;
        }

        using var ana = fixture.Client(fixture.AnaToken);
        var found = await OkAsync(await ana.GetAsync("api/v1/contacts?q=" + Uri.EscapeDataString(name[..14])));
        Assert.Equal([contactId], found.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()));

        var contact = await OkAsync(await ana.GetAsync($"api/v1/contacts/{contactId}"));
        Assert.Equal(name, contact.GetProperty("name").GetString());
    }

    [Fact]
    public async Task BadInput_Is400WithFieldErrors_AndChangesNothing()
    {
        var id = await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Olá");
        using var client = fixture.Client(fixture.BiaToken);

        Assert.Contains("content", (await ErrorsAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages", new { content = "   " }))).Keys);
        Assert.Contains("content", (await ErrorsAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages", new { @private = true }))).Keys);
        Assert.Contains("content", (await ErrorsAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages",
            new { content = new string('x', MessageText.MaxLength + 1) }))).Keys);
        var assign = await ErrorsAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/assign", new { assigneeId = "nao-existe" }));
        Assert.Equal("Agente não encontrado.", Assert.Single(assign["assigneeId"]));
        Assert.Contains("status", (await ErrorsAsync(await client.GetAsync("api/v1/conversations?status=talvez"))).Keys);
        Assert.Contains("assignee", (await ErrorsAsync(await client.GetAsync("api/v1/conversations?assignee=todos"))).Keys);
        Assert.Contains("limit", (await ErrorsAsync(await client.GetAsync("api/v1/conversations?limit=101"))).Keys);
        Assert.Contains("limit", (await ErrorsAsync(await client.GetAsync("api/v1/conversations?limit=0"))).Keys);
        Assert.Contains("after", (await ErrorsAsync(await client.GetAsync("api/v1/conversations?after=nada"))).Keys);
        Assert.Contains("after", (await ErrorsAsync(await client.GetAsync($"api/v1/conversations/{id}/messages?after=-1"))).Keys);
        Assert.Contains("after", (await ErrorsAsync(await client.GetAsync("api/v1/contacts?after=x"))).Keys);

        await using var db = await fixture.DbAsync();
        Assert.Equal(["Olá"], await db.Messages.Where(m => m.ConversationId == id).Select(m => m.Content).ToListAsync());
        Assert.Null((await db.Conversations.SingleAsync(c => c.Id == id)).AssigneeId);
    }

    [Fact]
    public async Task Reply_OnAnInactiveChannel_IsRefusedWith409AndStoresNothing()
    {
        var (channel, token) = await ApiChannels.CreateAsync(fixture.App.Services, "Desligado");
        var id = await fixture.ReceiveAsync(channel, token, "Oi");
        await using (var db = await fixture.DbAsync())
        {
            (await db.Channels.SingleAsync(c => c.Id == channel)).SetSwitches(false, false);
            await db.SaveChangesAsync();
        }

        using var client = fixture.Client(fixture.BiaToken);
        var response = await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages", new { content = "Resposta" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await using var check = await fixture.DbAsync();
        Assert.Equal(1, await check.Messages.CountAsync(m => m.ConversationId == id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ttm_pat_invalido")]
    public async Task Api_WithoutOrWithABadToken_Is401(string? token)
    {
        using var client = fixture.Client(token);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/contacts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("api/v1/conversations/1/messages", new { content = "Oi" })).StatusCode);
    }

    [Fact]
    public async Task HubClient_ReceivesMessageAdded_WithTextSenderAndStatus()
    {
        var id = await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Primeira");
        var heard = new System.Collections.Concurrent.ConcurrentQueue<JsonElement>();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(fixture.App.BaseUrl + "/hubs/inbox", options => options.AccessTokenProvider = () => Task.FromResult<string?>(fixture.BiaToken))
            .Build();
        // Cloned: the client may reuse the document behind the element once the handler returns.
        connection.On<JsonElement>("MessageAdded", e => heard.Enqueue(e.Clone()));
        await connection.StartAsync();
        // The server joins the connection to its channels' groups just after the handshake StartAsync waits for: a probe
        // heard means events reach this client from now on.
        for (var probe = 0; probe < 20 && !heard.Any(e => e.TryGetProperty("text", out var t) && t.GetString()!.StartsWith("Sonda")); probe++)
        {
            await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, $"Sonda {probe}");
            await Task.Delay(250);
        }

        using var client = fixture.Client(fixture.BiaToken);
        await OkAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages", new { content = "Resposta pelo hub" }), HttpStatusCode.Created);
        await OkAsync(await client.PostAsJsonAsync($"api/v1/conversations/{id}/messages", new { content = "Nota pelo hub", @private = true }),
            HttpStatusCode.Created);
        await fixture.ReceiveAsync(fixture.Loja, fixture.LojaToken, "Cliente pelo hub", name: "Dora");

        JsonElement Heard(string text) => heard.FirstOrDefault(e => e.TryGetProperty("text", out var t) && t.GetString() == text);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((Heard("Resposta pelo hub").ValueKind == JsonValueKind.Undefined || Heard("Nota pelo hub").ValueKind == JsonValueKind.Undefined
                || Heard("Cliente pelo hub").ValueKind == JsonValueKind.Undefined) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var reply = Heard("Resposta pelo hub");
        Assert.Equal(JsonValueKind.Object, reply.ValueKind);
        Assert.Equal(id, reply.GetProperty("conversationId").GetInt32());
        Assert.Equal("Bia", reply.GetProperty("senderName").GetString());
        Assert.Equal("Agent", reply.GetProperty("senderType").GetString());
        Assert.Equal("Outgoing", reply.GetProperty("direction").GetString());
        Assert.Equal("Pending", reply.GetProperty("deliveryStatus").GetString());
        Assert.Equal("Open", reply.GetProperty("conversationStatus").GetString());
        Assert.False(reply.GetProperty("private").GetBoolean());

        var note = Heard("Nota pelo hub");
        Assert.True(note.GetProperty("private").GetBoolean());
        Assert.Equal("PrivateNote", note.GetProperty("kind").GetString());

        var incoming = Heard("Cliente pelo hub");
        Assert.Equal(JsonValueKind.Object, incoming.ValueKind);
        Assert.Equal("Dora", incoming.GetProperty("senderName").GetString());
        Assert.Equal("Contact", incoming.GetProperty("senderType").GetString());
        Assert.Equal("Incoming", incoming.GetProperty("direction").GetString());
        Assert.Equal("Open", incoming.GetProperty("conversationStatus").GetString());

        // What the event names can be read back through the API.
        var thread = await OkAsync(await client.GetAsync($"api/v1/conversations/{incoming.GetProperty("conversationId").GetInt32()}/messages"));
        Assert.Contains(thread.GetProperty("items").EnumerateArray(),
            m => m.GetProperty("id").GetInt64() == incoming.GetProperty("messageId").GetInt64());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAgentApi()
    {
        var document = await fixture.App.CreateClient().GetFromJsonAsync<JsonElement>("openapi/v1.json");

        var paths = document.GetProperty("paths");
        foreach (var path in new[]
                 {
                     "/api/v1/conversations", "/api/v1/conversations/{id}", "/api/v1/conversations/{id}/messages",
                     "/api/v1/conversations/{id}/assign", "/api/v1/conversations/{id}/resolve", "/api/v1/conversations/{id}/reopen",
                     "/api/v1/contacts", "/api/v1/contacts/{id}",
                 })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }

        Assert.True(paths.GetProperty("/api/v1/conversations/{id}/messages").TryGetProperty("post", out var post));
        Assert.Equal("AddConversationMessage", post.GetProperty("operationId").GetString());
    }
}
