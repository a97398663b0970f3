using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Realtime;

/// <summary>
/// Issue 15 item 2, "Teams", on the routes an agent's personal API token reaches: /hubs/inbox delivers a restricted agent
/// only the events of their groups' channels (an unrestricted agent still gets all), an admin's change of the team closes
/// the agent's connection so it reconnects into its new channels, and the admin API under /api/v1 stays admins-only.
/// </summary>
public sealed class InboxHubTeamsTests : IAsyncLifetime
{
    private const char RecordSeparator = '\u001e';
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(AppUser User, string Token)> AgentWithTokenAsync(string name, bool restricted)
    {
        var user = await _app.CreateUserAsync($"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@talktome.local", "Senha!2026x", Roles.Agent, name);
        var token = Secrets.NewToken("ttm");
        await using var db = await Factory.CreateDbContextAsync();
        db.ApiTokens.Add(new ApiToken(user.Id, "hub", Secrets.Hash(token), token[..8], DateTime.UtcNow));
        (await db.Users.SingleAsync(u => u.Id == user.Id)).RestrictedToGroups = restricted;
        await db.SaveChangesAsync();
        return (user, token);
    }

    private IDbContextFactory<TalkToMeDbContext> Factory => _app.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    private async Task<ClaimsPrincipal> AdminAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        return await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>()
            .CreateAsync((await users.FindByEmailAsync(TestApp.AdminEmail))!);
    }

    private async Task<int> GroupAsync(string name, int channelId, params string[] agentIds)
    {
        var result = await _app.Services.GetRequiredService<ChannelGroupService>()
            .CreateAsync(await AdminAsync(), new ChannelGroupInput(name, null, [channelId], agentIds));
        Assert.True(result.Succeeded);
        return result.Value!.Id;
    }

    private async Task<int> ReceiveAsync(int channelId, string channelToken, string text)
    {
        using var http = _app.CreateClient();
        var post = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/channels/{channelId}/messages")
        {
            Content = new StringContent($$"""{"contact":{"id":"c-{{Guid.NewGuid():N}}","name":"Rita"},"text":"{{text}}","id":"{{Guid.NewGuid():N}}"}""",
                Encoding.UTF8, "application/json"),
        };
        post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", channelToken);
        var response = await http.SendAsync(post);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("conversationId").GetInt32();
    }

    [Fact]
    public async Task RestrictedAgent_ReceivesOnlyTheirGroupsChannelsEvents_UnrestrictedReceivesAll()
    {
        var (loja, lojaToken) = await ApiChannels.CreateAsync(_app.Services, "Loja");
        var (suporte, suporteToken) = await ApiChannels.CreateAsync(_app.Services, "Suporte");
        var (ana, anaToken) = await AgentWithTokenAsync("Ana", restricted: true);
        var (bruno, brunoToken) = await AgentWithTokenAsync("Bruno", restricted: false);
        await GroupAsync("Vendas", loja, ana.Id, bruno.Id);
        using var anaSocket = await ConnectAsync(anaToken);
        using var brunoSocket = await ConnectAsync(brunoToken);

        var inSuporte = await ReceiveAsync(suporte, suporteToken, "Oi do suporte");
        var inLoja = await ReceiveAsync(loja, lojaToken, "Oi da loja");

        // Bruno (not restricted) hears both; Ana's first event is Loja's: Suporte's never came before it.
        var brunoHeard = await ConversationsHeardAsync(brunoSocket, until: ids => ids.Contains(inSuporte) && ids.Contains(inLoja));
        Assert.Contains(inSuporte, brunoHeard);
        var anaHeard = await ConversationsHeardAsync(anaSocket, until: ids => ids.Contains(inLoja));
        Assert.DoesNotContain(inSuporte, anaHeard);
        // Nor after it.
        var more = await ConversationsHeardAsync(anaSocket, until: _ => false, within: TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(inSuporte, more);
    }

    [Fact]
    public async Task AdminChangesTheTeam_ClosesTheAgentsConnection_AndTheNewOneHearsTheNewChannel()
    {
        var (loja, _) = await ApiChannels.CreateAsync(_app.Services, "Loja");
        var (suporte, suporteToken) = await ApiChannels.CreateAsync(_app.Services, "Suporte");
        var (ana, anaToken) = await AgentWithTokenAsync("Ana", restricted: true);
        var vendas = await GroupAsync("Vendas", loja, ana.Id);
        using var before = await ConnectAsync(anaToken);

        var saved = await _app.Services.GetRequiredService<ChannelGroupService>()
            .UpdateAsync(await AdminAsync(), vendas, new ChannelGroupInput("Vendas", null, [loja, suporte], [ana.Id]));
        Assert.True(saved.Succeeded);

        await ClosedAsync(before);
        using var after = await ConnectAsync(anaToken);
        var inSuporte = await ReceiveAsync(suporte, suporteToken, "Agora sim");
        Assert.Contains(inSuporte, await ConversationsHeardAsync(after, until: ids => ids.Contains(inSuporte)));
    }

    [Fact]
    public async Task RestrictedAgentWithoutGroup_HearsNothing()
    {
        var (suporte, suporteToken) = await ApiChannels.CreateAsync(_app.Services, "Suporte");
        var (_, anaToken) = await AgentWithTokenAsync("Ana", restricted: true);
        using var socket = await ConnectAsync(anaToken);

        var inSuporte = await ReceiveAsync(suporte, suporteToken, "Ninguém ouve");

        Assert.DoesNotContain(inSuporte, await ConversationsHeardAsync(socket, until: _ => false, within: TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData("/api/v1/channels")]
    [InlineData("/api/v1/channel-groups")]
    [InlineData("/api/v1/reports")]
    public async Task RestApi_WithAnAgentsToken_IsForbidden(string path)
    {
        // The admin API stays admins-only; an agent's token reaches conversations only through the agent API, scoped to their
        // channels (ConversationApiTests).
        var (_, anaToken) = await AgentWithTokenAsync("Ana", restricted: true);
        using var http = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", anaToken);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
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
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}" + RecordSeparator),
            WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("{}", (await ReceiveFramesAsync(socket, CancellationToken.None)).First());
        // SignalR answers the handshake before the hub's OnConnectedAsync has put the connection in its channels' groups, and
        // dispatches invocations only after it: the answer to one (here an unknown method's error) means the groups are set,
        // so an event published from now on reaches this socket.
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"ready\",\"target\":\"Ready\",\"arguments\":[]}" + RecordSeparator),
            WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await ReceiveFramesAsync(socket, timeout.Token)).Any(f => f.Contains("\"invocationId\":\"ready\"")))
        {
        }

        return socket;
    }

    /// <summary>The conversations of every event the socket receives until <paramref name="until"/> holds or the time is up.</summary>
    private static async Task<List<int>> ConversationsHeardAsync(ClientWebSocket socket, Func<List<int>, bool> until, TimeSpan? within = null)
    {
        var heard = new List<int>();
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        try
        {
            while (!until(heard))
            {
                foreach (var frame in await ReceiveFramesAsync(socket, timeout.Token))
                {
                    var message = JsonDocument.Parse(frame).RootElement;
                    if (message.TryGetProperty("target", out _) && message.GetProperty("arguments")[0].TryGetProperty("conversationId", out var id))
                    {
                        heard.Add(id.GetInt32());
                    }
                }
            }
        }
        catch (OperationCanceledException) when (within is not null)
        {
            // Listened for the whole time given.
        }

        return heard;
    }

    private static async Task ClosedAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var frames = await ReceiveFramesAsync(socket, timeout.Token);
                if (frames.Any(f => f.Contains("\"type\":7")))
                {
                    return;
                }
            }
        }
        catch (WebSocketException)
        {
            // Closed under us: that is the point.
        }
    }

    private static async Task<IReadOnlyList<string>> ReceiveFramesAsync(ClientWebSocket socket, CancellationToken cancellationToken)
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
