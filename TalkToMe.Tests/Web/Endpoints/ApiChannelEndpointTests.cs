using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Core.Channels;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Endpoints;

public sealed class ApiChannelAppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TestApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>POST /api/v1/channels/{id}/messages over real HTTP: the contract and every refusal.</summary>
public sealed class ApiChannelEndpointTests(ApiChannelAppFixture fixture) : IClassFixture<ApiChannelAppFixture>
{
    private TestApp App => fixture.App;

    private static HttpRequestMessage Post(int channelId, string? token, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/channels/{channelId}/messages")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static string Body(string? id = "msg-1", string text = "Olá, meu pedido atrasou", string contactId = "cliente-1") =>
        JsonSerializer.Serialize(new { contact = new { id = contactId, name = "Maria" }, text, id });

    private async Task<int> MessagesInChannelAsync(int channelId)
    {
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        return await db.Messages.CountAsync(m => m.ChannelId == channelId)
            + await db.ContactIdentities.CountAsync(i => i.ChannelId == channelId);
    }

    [Fact]
    public async Task Post_ValidMessage_Returns202WithConversationAndMessageIds()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(channelId, token, Body()));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var conversationId = answer.GetProperty("conversationId").GetInt32();
        var messageId = answer.GetProperty("messageId").GetInt64();
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        var message = await db.Messages.Include(m => m.Conversation).ThenInclude(c => c.Contact).SingleAsync(m => m.Id == messageId);
        Assert.Equal((conversationId, "Olá, meu pedido atrasou", "Maria", MessageDirection.Incoming),
            (message.ConversationId, message.Content, message.Conversation.Contact.Name, message.Direction));
    }

    [Fact]
    public async Task Post_RepeatedExternalId_ReturnsTheSameAnswerAndStoresOnce()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();

        var first = await (await client.SendAsync(Post(channelId, token, Body("dup-1")))).Content.ReadAsStringAsync();
        var again = await client.SendAsync(Post(channelId, token, Body("dup-1")));

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(first, await again.Content.ReadAsStringAsync());
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.ChannelId == channelId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ttmch_wrong-token")]
    public async Task Post_MissingOrBadToken_Returns401AndStoresNothing(string? token)
    {
        var (channelId, _) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(channelId, token, Body()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await MessagesInChannelAsync(channelId));
    }

    [Fact]
    public async Task Post_TokenOfAnotherChannel_Returns401()
    {
        var (channelId, _) = await ApiChannels.CreateAsync(App.Services);
        var (_, otherToken) = await ApiChannels.CreateAsync(App.Services, "Outro");
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(channelId, otherToken, Body()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_InactiveChannel_Returns409WithReasonAndStoresNothing()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services, active: false);
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(channelId, token, Body()));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("não está Ativo", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await MessagesInChannelAsync(channelId));
    }

    [Fact]
    public async Task Post_TokenRegeneratedByAnAdmin_OldTokenRefusedAtOnce_NewOneAccepted()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Post(channelId, token, Body("before")))).StatusCode);

        var regenerated = await App.Services.GetRequiredService<ChannelAdminService>()
            .RegenerateApiTokenAsync(ChannelGroupServiceTests.Admin, channelId);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Post(channelId, token, Body("old")))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Post(channelId, regenerated.Value, Body("new")))).StatusCode);
    }

    [Fact]
    public async Task Post_ChannelSwitchedOffRightAfterARequest_NextOneIsRefusedWith409()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Post(channelId, token, Body("first")))).StatusCode);
        await using (var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
        {
            // Written directly, as another app instance would: nothing tells this one's remembered state.
            var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
            channel.SetSwitches(isActive: false, channel.AllowsActiveContact);
            await db.SaveChangesAsync();
        }

        var response = await client.SendAsync(Post(channelId, token, Body("second")));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(2, await MessagesInChannelAsync(channelId)); // the first message and its contact, nothing more
    }

    [Fact]
    public async Task Post_DeletedChannel_Returns410()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services, deleted: true);
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(channelId, token, Body()));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal(0, await MessagesInChannelAsync(channelId));
    }

    [Fact]
    public async Task Post_UnknownChannel_Returns404()
    {
        var (_, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(987654, token, Body()));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("{not json", "body")]
    [InlineData("[]", "body")]
    [InlineData("""{"text":"Oi","id":"a"}""", "contact")]
    [InlineData("""{"contact":{"name":"Maria"},"text":"Oi"}""", "contact.id")]
    [InlineData("""{"contact":{"id":"c1"},"id":"a"}""", "text")]
    [InlineData("""{"contact":{"id":"c1"},"text":"   "}""", "text")]
    [InlineData("""{"contact":{"id":"c1"},"text":42}""", "text")]
    [InlineData("""{"contact":{"id":"c1"},"text":"Oi","id":17}""", "id")]
    public async Task Post_MalformedBody_Returns400NamingTheField(string body, string field)
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(channelId, token, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString());
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await MessagesInChannelAsync(channelId));
    }

    [Fact]
    public async Task Post_BodyOverTheLimit_Returns413AndStoresNothing()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();

        var response = await client.SendAsync(Post(channelId, token, Body(text: new string('a', TalkToMe.Web.Endpoints.ApiChannelEndpoints.MaxBodyBytes + 1))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await MessagesInChannelAsync(channelId));
    }

    [Fact]
    public async Task Post_ChunkedBodyOverTheLimit_Returns413()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();
        var request = Post(channelId, token, "");
        request.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Body(text: new string('b', TalkToMe.Web.Endpoints.ApiChannelEndpoints.MaxBodyBytes + 1)))));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Post_WithoutExternalId_IsAcceptedEachTime()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(App.Services);
        using var client = App.CreateClient();

        var first = await client.SendAsync(Post(channelId, token, Body(id: null)));
        var second = await client.SendAsync(Post(channelId, token, Body(id: null)));

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        Assert.Equal(2, await db.Messages.CountAsync(m => m.ChannelId == channelId));
    }
}
