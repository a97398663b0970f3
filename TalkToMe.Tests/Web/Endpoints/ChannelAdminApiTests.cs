using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Endpoints;

/// <summary>One app with an admin token and an agent token, shared by the admin API tests.</summary>
public sealed class ChannelAdminApiFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;
    public string AdminToken { get; private set; } = "";
    public string AgentToken { get; private set; } = "";

    public async Task InitializeAsync()
    {
        App = await TestApp.StartAsync();
        var tokens = App.Services.GetRequiredService<ApiTokenService>();
        await using var scope = App.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(TestApp.AdminEmail);
        AdminToken = (await tokens.CreateAsync(admin!.Id, "testes")).Value!;
        var agent = await App.CreateUserAsync("agente.api@talktome.local", "Senha-Agente-123", Roles.Agent);
        AgentToken = (await tokens.CreateAsync(agent.Id, "agente")).Value!;
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

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public class ChannelAdminApiTests(ChannelAdminApiFixture fixture) : IClassFixture<ChannelAdminApiFixture>
{
    private static readonly object ValidWhatsApp = new
    {
        name = "WhatsApp API",
        type = "WhatsApp",
        settings = new { phoneNumberId = "555", accessToken = "token-whatsapp-1234", appSecret = "app-secret-5678" },
    };

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
    }

    private async Task<int> ChannelIdAsync(string name)
    {
        await using var db = await fixture.DbAsync();
        return (await db.Channels.SingleAsync(c => c.Name == name)).Id;
    }

    [Fact]
    public async Task ListChannels_WithAdminToken_ReturnsChannelsWithMaskedSettings()
    {
        var response = await fixture.Client(fixture.AdminToken).GetAsync("api/v1/channels");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var channels = await response.Content.ReadFromJsonAsync<JsonElement>();
        var whatsapp = channels.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "WhatsApp Vendas");
        Assert.Equal("WhatsApp", whatsapp.GetProperty("type").GetString());
        Assert.True(whatsapp.GetProperty("allowsActiveContact").GetBoolean());
        Assert.Contains("/webhooks/whatsapp/", whatsapp.GetProperty("connection").GetProperty("webhookUrl").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ttm_pat_invalido")]
    public async Task Api_WithoutOrWithABadToken_Is401(string? token)
    {
        var client = fixture.Client(token);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/channels")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("api/v1/channels", ValidWhatsApp)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/channel-groups")).StatusCode);
    }

    [Fact]
    public async Task Api_WithARevokedToken_Is401()
    {
        var tokens = fixture.App.Services.GetRequiredService<ApiTokenService>();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(TestApp.AdminEmail);
        var token = (await tokens.CreateAsync(admin!.Id, "revogar")).Value!;
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client(token).GetAsync("api/v1/channels")).StatusCode);

        var id = (await tokens.ListAsync(admin.Id)).Single(t => t.Name == "revogar").Id;
        await tokens.RevokeAsync(admin.Id, id);

        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Client(token).GetAsync("api/v1/channels")).StatusCode);
    }

    [Fact]
    public async Task Api_WithAnAgentsToken_Is403AndChangesNothing()
    {
        var client = fixture.Client(fixture.AgentToken);
        var id = await ChannelIdAsync("Telegram");

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("api/v1/channels")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("api/v1/channels", ValidWhatsApp)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await client.PutAsJsonAsync($"api/v1/channels/{id}/switches", new { isActive = false, allowsActiveContact = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"api/v1/channels/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await client.PostAsJsonAsync("api/v1/channel-groups", new { name = "Agentes", channelIds = new[] { id } })).StatusCode);

        await using var db = await fixture.DbAsync();
        var channel = await db.Channels.SingleAsync(c => c.Id == id);
        Assert.True(channel.IsActive);
        Assert.False(channel.AllowsActiveContact);
        Assert.False(channel.IsDeleted);
        Assert.False(await db.Channels.AnyAsync(c => c.Name == "WhatsApp API"));
        Assert.False(await db.ChannelGroups.AnyAsync(g => g.Name == "Agentes"));
    }

    [Fact]
    public async Task CreateGetUpdateDeleteChannel_RoundTrips()
    {
        var client = fixture.Client(fixture.AdminToken);
        int flowId;
        await using (var db = await fixture.DbAsync())
        {
            flowId = (await db.Flows.SingleAsync(f => f.Name == "Boas-vindas")).Id;
        }

        var created = await client.PostAsJsonAsync("api/v1/channels", new
        {
            name = "WhatsApp Ciclo",
            type = "WhatsApp",
            entryFlowId = flowId,
            exitFlowId = flowId,
            allowsActiveContact = true,
            settings = new { phoneNumberId = "555", accessToken = "token-whatsapp-1234", appSecret = "app-secret-5678" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetInt32();
        Assert.Equal($"/api/v1/channels/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(flowId, body.GetProperty("entryFlowId").GetInt32());
        Assert.True(body.GetProperty("allowsActiveContact").GetBoolean());
        Assert.Matches("^[0-9a-f]{32}$", body.GetProperty("connection").GetProperty("verifyToken").GetString());
        Assert.DoesNotContain("token-whatsapp-1234", body.GetRawText());

        var fetched = await client.GetFromJsonAsync<JsonElement>($"api/v1/channels/{id}");
        Assert.Equal("WhatsApp Ciclo", fetched.GetProperty("name").GetString());
        Assert.Equal("••••••••1234", fetched.GetProperty("settings").GetProperty("accessToken").GetString());

        var updated = await client.PutAsJsonAsync($"api/v1/channels/{id}", new
        {
            name = "WhatsApp Renomeado",
            type = "WhatsApp",
            settings = new { phoneNumberId = "777" },
        });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        await using (var db = await fixture.DbAsync())
        {
            var stored = await db.Channels.SingleAsync(c => c.Id == id);
            Assert.Equal("WhatsApp Renomeado", stored.Name);
            Assert.Null(stored.EntryFlowId);
            Assert.Equal("777", stored.GetSettings<WhatsAppSettings>().PhoneNumberId);
            Assert.Equal("token-whatsapp-1234", stored.GetSettings<WhatsAppSettings>().AccessToken);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"api/v1/channels/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"api/v1/channels/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"api/v1/channels/{id}")).StatusCode);
    }

    [Fact]
    public async Task CreateChannel_InvalidInput_Is400NamingEachFieldAndStoresNothing()
    {
        var client = fixture.Client(fixture.AdminToken);

        var badType = await ErrorsAsync(await client.PostAsJsonAsync("api/v1/channels", new { name = "X", type = "Fax" }));
        var badFields = await ErrorsAsync(await client.PostAsJsonAsync("api/v1/channels", new
        {
            name = "",
            type = "Sms",
            entryFlowId = 9999,
            settings = new { fromNumber = "abc" },
        }));

        Assert.Equal(["Type"], badType.Keys);
        Assert.Equal(["EntryFlowId", "Name", "Settings.AccountSid", "Settings.AuthToken", "Settings.FromNumber"], badFields.Keys.Order());
        await using var db = await fixture.DbAsync();
        Assert.False(await db.Channels.AnyAsync(c => c.Type == TalkToMe.Core.Channels.ChannelType.Sms || c.Name == "X"));
    }

    [Fact]
    public async Task CreateApiChannel_ReturnsTheTokenOnce_RegenerateReplacesIt()
    {
        var client = fixture.Client(fixture.AdminToken);

        var created = await client.PostAsJsonAsync("api/v1/channels", new { name = "API Integração", type = "Api" });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetInt32();
        var token = body.GetProperty("apiToken").GetString()!;
        Assert.StartsWith("ttm_ch_", token);
        Assert.EndsWith($"/api/v1/channels/{id}/messages", body.GetProperty("connection").GetProperty("apiEndpoint").GetString());
        var fetched = await client.GetFromJsonAsync<JsonElement>($"api/v1/channels/{id}");
        Assert.DoesNotContain(token, fetched.GetRawText());

        var regenerated = await client.PostAsync($"api/v1/channels/{id}/api-token", null);
        var newToken = (await regenerated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiToken").GetString()!;

        Assert.NotEqual(token, newToken);
        await using var db = await fixture.DbAsync();
        Assert.Equal(Secrets.Hash(newToken), (await db.Channels.SingleAsync(c => c.Id == id)).ApiTokenHash);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("api/v1/channels/99999/api-token", null)).StatusCode);
    }

    [Fact]
    public async Task Switches_AreStoredSeparately_AndUnknownChannelIs404()
    {
        var client = fixture.Client(fixture.AdminToken);
        var id = await ChannelIdAsync("Suporte por e-mail");

        var response = await client.PutAsJsonAsync($"api/v1/channels/{id}/switches", new { isActive = false, allowsActiveContact = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(body.GetProperty("isActive").GetBoolean());
        Assert.True(body.GetProperty("allowsActiveContact").GetBoolean());
        await using (var db = await fixture.DbAsync())
        {
            var channel = await db.Channels.SingleAsync(c => c.Id == id);
            Assert.False(channel.CanReceive);
            Assert.False(channel.CanStartConversation);
        }

        Assert.Equal(HttpStatusCode.NotFound,
            (await client.PutAsJsonAsync("api/v1/channels/99999/switches", new { isActive = true, allowsActiveContact = true })).StatusCode);
        await client.PutAsJsonAsync($"api/v1/channels/{id}/switches", new { isActive = true, allowsActiveContact = true });
    }

    [Fact]
    public async Task KeepAlive_SaveWithoutActivating_StaysInactive_InvalidIs400AndChangesNothing()
    {
        var client = fixture.Client(fixture.AdminToken);
        var id = await ChannelIdAsync("Site institucional");
        var settings = new
        {
            inactivityAmount = 15, inactivityUnit = "Minutes", inactivityMessage = "Ainda por aí?",
            finalizationAmount = 1, finalizationUnit = "Hours", finalizationMessage = "Encerrando.", isEnabled = false,
        };

        var saved = await client.PutAsJsonAsync($"api/v1/channels/{id}/keep-alive", settings);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var stored = await client.GetFromJsonAsync<JsonElement>($"api/v1/channels/{id}/keep-alive");
        Assert.False(stored.GetProperty("isEnabled").GetBoolean());
        Assert.Equal(15, stored.GetProperty("inactivityAmount").GetInt32());
        Assert.Equal("Hours", stored.GetProperty("finalizationUnit").GetString());

        var invalid = await ErrorsAsync(await client.PutAsJsonAsync($"api/v1/channels/{id}/keep-alive", new
        {
            inactivityAmount = 31, inactivityUnit = "Days", finalizationAmount = 0, isEnabled = true,
        }));
        Assert.Equal(["InactivityUnit"], invalid.Keys);
        var invalidValues = await ErrorsAsync(await client.PutAsJsonAsync($"api/v1/channels/{id}/keep-alive", new
        {
            inactivityAmount = 31 * 24, inactivityUnit = "Hours", finalizationAmount = 0, isEnabled = true,
        }));
        Assert.Equal(["FinalizationAmount", "FinalizationMessage", "InactivityAmount", "InactivityMessage"], invalidValues.Keys.Order());

        var unchanged = await client.GetFromJsonAsync<JsonElement>($"api/v1/channels/{id}/keep-alive");
        Assert.Equal(stored.GetRawText(), unchanged.GetRawText());

        var activated = await client.PutAsJsonAsync($"api/v1/channels/{id}/keep-alive", new
        {
            inactivityAmount = 15, inactivityUnit = "Minutes", inactivityMessage = "Ainda por aí?",
            finalizationAmount = 1, finalizationUnit = "Hours", finalizationMessage = "Encerrando.", isEnabled = true,
        });
        Assert.True((await activated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("isEnabled").GetBoolean());
        Assert.True((await client.GetFromJsonAsync<JsonElement>($"api/v1/channels/{id}")).GetProperty("keepAliveActive").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("api/v1/channels/99999/keep-alive")).StatusCode);
    }

    [Fact]
    public async Task ChannelGroups_CreateUpdateDelete_AndInvalidIs400()
    {
        var client = fixture.Client(fixture.AdminToken);
        var telegram = await ChannelIdAsync("Telegram");
        var whatsapp = await ChannelIdAsync("WhatsApp Vendas");

        var invalid = await ErrorsAsync(await client.PostAsJsonAsync("api/v1/channel-groups", new { name = "", channelIds = new[] { 99999 } }));
        Assert.Equal(["ChannelIds", "Name"], invalid.Keys.Order());

        var created = await client.PostAsJsonAsync("api/v1/channel-groups", new { name = "API Grupo", description = "Via API", channelIds = new[] { telegram, whatsapp } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        var updated = await client.PutAsJsonAsync($"api/v1/channel-groups/{id}", new { name = "API Grupo 2", channelIds = new[] { telegram } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var group = await client.GetFromJsonAsync<JsonElement>($"api/v1/channel-groups/{id}");
        Assert.Equal("API Grupo 2", group.GetProperty("name").GetString());
        Assert.Equal(["Telegram"], group.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var list = await client.GetFromJsonAsync<JsonElement>("api/v1/channel-groups");
        Assert.Contains(list.EnumerateArray(), g => g.GetProperty("name").GetString() == "API Grupo 2");

        var refused = await client.PutAsJsonAsync($"api/v1/channel-groups/{id}", new { name = "", channelIds = Array.Empty<int>() });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("API Grupo 2", (await client.GetFromJsonAsync<JsonElement>($"api/v1/channel-groups/{id}")).GetProperty("name").GetString());

        // Automatic assignment for the whole group, by name; a name the API does not know is a field error and changes nothing.
        var badMode = await client.PutAsJsonAsync($"api/v1/channel-groups/{id}", new { name = "API Grupo 2", channelIds = new[] { telegram }, assignMode = "Fastest" });
        Assert.Equal(HttpStatusCode.BadRequest, badMode.StatusCode);
        Assert.Equal(["AssignMode"], (await ErrorsAsync(badMode)).Keys);
        Assert.Equal("ChannelDecides", (await client.GetFromJsonAsync<JsonElement>($"api/v1/channel-groups/{id}")).GetProperty("assignMode").GetString());
        var roundRobin = await client.PutAsJsonAsync($"api/v1/channel-groups/{id}", new { name = "API Grupo 2", channelIds = new[] { telegram }, assignMode = "roundRobin" });
        Assert.Equal(HttpStatusCode.OK, roundRobin.StatusCode);
        Assert.Equal("RoundRobin", (await roundRobin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignMode").GetString());
        await using (var db = await fixture.DbAsync())
        {
            Assert.Equal(TalkToMe.Core.Conversations.AutoAssignMode.RoundRobin,
                (await db.ChannelAssignments.AsNoTracking().SingleAsync(a => a.ChannelId == telegram)).Mode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"api/v1/channel-groups/{id}")).StatusCode);
        await using (var db = await fixture.DbAsync())
        {
            // The group gone, Telegram's own choice (never made: off) is in force again.
            Assert.Equal(TalkToMe.Core.Conversations.AutoAssignMode.Off,
                (await db.ChannelAssignments.AsNoTracking().SingleAsync(a => a.ChannelId == telegram)).Mode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"api/v1/channel-groups/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"api/v1/channel-groups/{id}", new { name = "x" })).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminApi()
    {
        var response = await fixture.App.CreateClient().GetAsync("openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/channels", out _));
        Assert.True(paths.TryGetProperty("/api/v1/channels/{id}/keep-alive", out _));
        Assert.True(paths.TryGetProperty("/api/v1/channel-groups/{id}", out _));
    }
}
