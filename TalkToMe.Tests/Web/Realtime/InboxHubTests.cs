using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Realtime;

/// <summary>/hubs/inbox spoken with SignalR's JSON protocol over a raw WebSocket (the .NET SignalR client is not served here).</summary>
public sealed class InboxHubTests : IAsyncLifetime
{
    private const char RecordSeparator = '\u001e';
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<string> CreatePersonalTokenAsync(bool revoked = false) => (await CreateUserWithTokenAsync(revoked)).Token;

    private async Task<(AppUser User, string Token)> CreateUserWithTokenAsync(bool revoked = false)
    {
        var user = await _app.CreateUserAsync($"hub-{Guid.NewGuid():N}@talktome.local", "Senha!2026x", Roles.Agent, "Integração");
        var token = Secrets.NewToken("ttm");
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
        var apiToken = new ApiToken(user.Id, "hub", Secrets.Hash(token), token[..8], DateTime.UtcNow);
        if (revoked)
        {
            apiToken.Revoke(DateTime.UtcNow);
        }

        db.ApiTokens.Add(apiToken);
        await db.SaveChangesAsync();
        return (user, token);
    }

    [Fact]
    public async Task DeactivatingTheUser_ClosesTheirOpenConnection_AtOnce()
    {
        var (user, token) = await CreateUserWithTokenAsync();
        using var socket = await ConnectAsync(token);

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var principals = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.IUserClaimsPrincipalFactory<AppUser>>();
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
            var admin = await principals.CreateAsync((await users.FindByEmailAsync(TestApp.AdminEmail))!);
            await scope.ServiceProvider.GetRequiredService<TalkToMe.Web.Agents.AgentAdminService>().SetDeactivatedAsync(admin, user.Id, true);
        }

        // Nothing more reaches them: the server closes the connection (SignalR's close message, then the socket).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var closed = false;
        while (!closed)
        {
            try
            {
                var frames = await ReceiveFramesAsync(socket, timeout.Token);
                closed = socket.State != WebSocketState.Open || frames.Any(f => f.Contains("\"type\":7"));
            }
            catch (WebSocketException)
            {
                closed = true;
            }
        }
    }

    private async Task<ClientWebSocket> ConnectAsync(string token)
    {
        using var http = _app.CreateClient();
        var negotiate = await http.PostAsync($"/hubs/inbox/negotiate?negotiateVersion=1&access_token={token}", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        var connectionToken = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("connectionToken").GetString();
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri(_app.BaseUrl.Replace("http://", "ws://") + $"/hubs/inbox?id={connectionToken}&access_token={token}"),
            CancellationToken.None);
        await SendAsync(socket, "{\"protocol\":\"json\",\"version\":1}");
        Assert.Equal("{}", (await ReceiveFramesAsync(socket)).First());
        return socket;
    }

    [Fact]
    public async Task Negotiate_WithoutTokenOrWithRevokedToken_Returns401()
    {
        using var client = _app.CreateClient();
        var revoked = await CreatePersonalTokenAsync(revoked: true);

        var anonymous = await client.PostAsync("/hubs/inbox/negotiate?negotiateVersion=1", null);
        var withRevoked = await client.PostAsync($"/hubs/inbox/negotiate?negotiateVersion=1&access_token={revoked}", null);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withRevoked.StatusCode);
    }

    [Fact]
    public async Task Connected_Client_ReceivesMessageAddedWhenTheApiChannelReceives()
    {
        var token = await CreatePersonalTokenAsync();
        using var http = _app.CreateClient();
        var negotiate = await http.PostAsync($"/hubs/inbox/negotiate?negotiateVersion=1&access_token={token}", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        var connectionToken = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync()).RootElement.GetProperty("connectionToken").GetString();

        using var socket = new ClientWebSocket();
        var wsUrl = _app.BaseUrl.Replace("http://", "ws://") + $"/hubs/inbox?id={connectionToken}&access_token={token}";
        await socket.ConnectAsync(new Uri(wsUrl), CancellationToken.None);
        await SendAsync(socket, "{\"protocol\":\"json\",\"version\":1}");
        Assert.Equal("{}", (await ReceiveFramesAsync(socket)).First());

        var (channelId, channelToken) = await ApiChannels.CreateAsync(_app.Services);
        var post = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/channels/{channelId}/messages")
        {
            Content = new StringContent("""{"contact":{"id":"c-hub","name":"Rita"},"text":"Oi pelo hub","id":"hub-1"}""", Encoding.UTF8, "application/json"),
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
        var accepted = JsonDocument.Parse(await (await http.SendAsync(post)).Content.ReadAsStringAsync()).RootElement;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        JsonElement? added = null;
        while (added is null)
        {
            foreach (var frame in await ReceiveFramesAsync(socket, timeout.Token))
            {
                var message = JsonDocument.Parse(frame).RootElement;
                if (message.TryGetProperty("target", out var target) && target.GetString() == "MessageAdded")
                {
                    added = message.GetProperty("arguments")[0];
                }
            }
        }

        Assert.Equal(accepted.GetProperty("messageId").GetInt64(), added.Value.GetProperty("messageId").GetInt64());
        Assert.Equal(accepted.GetProperty("conversationId").GetInt32(), added.Value.GetProperty("conversationId").GetInt32());
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<IReadOnlyList<string>> ReceiveFramesAsync(ClientWebSocket socket, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[16 * 1024];
        var text = new StringBuilder();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, cancellationToken);
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        while (!result.EndOfMessage);

        return text.ToString().Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries);
    }
}
