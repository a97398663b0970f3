using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Realtime;

/// <summary>What external clients of <c>/hubs/inbox</c> receive: the same events the Blazor inbox gets.</summary>
public interface IInboxClient
{
    Task ConversationChanged(ConversationChanged change);

    Task MessageAdded(MessageAdded added);

    Task MessageUpdated(MessageUpdated updated);
}

/// <summary>
/// Push for clients outside Blazor (integrations, tests). Signed-in agents connect with their cookie; others pass a
/// personal API token as <c>access_token</c> (browsers cannot set headers on WebSockets) or as a Bearer header.
/// Blazor components never connect here: they subscribe to <see cref="InboxEventHub"/> directly.
/// <para>
/// A connection receives only the events of the channels its user may see (<see cref="ChannelAccess"/>): it joins the group
/// <see cref="AllChannels"/> or, for an agent restricted to their groups, one group per channel of theirs, and the bridge sends
/// each event to those two groups only. When an admin changes the user's channels, <see cref="InboxHubAccess"/> closes the
/// connection and the client reconnects into its new groups.
/// </para>
/// </summary>
[Authorize(AuthenticationSchemes = InboxHubAuthentication.Schemes)]
public sealed class InboxHub(ChannelAccess access) : Hub<IInboxClient>
{
    public const string Path = "/hubs/inbox";

    public const string AllChannels = "channels:all";

    public static string ChannelGroup(int channelId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"channel:{channelId}");

    public override async Task OnConnectedAsync()
    {
        var scope = await access.ForUserAsync(Context.UserIdentifier, Context.ConnectionAborted);
        if (scope.ChannelIds is not { } channels)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, AllChannels, Context.ConnectionAborted);
        }
        else
        {
            foreach (var channelId in channels)
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, ChannelGroup(channelId), Context.ConnectionAborted);
            }
        }

        await base.OnConnectedAsync();
    }
}

/// <summary>Forwards every committed inbox event to the hub's clients; the publisher only hands the event over.</summary>
public sealed class InboxHubBridge(InboxEventHub events, IHubContext<InboxHub, IInboxClient> hub, ILogger<InboxHubBridge> logger)
    : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Committed here only: with Redis, SignalR's backplane hands each event to the clients of every node.
        _subscription = events.SubscribeCommittedHere(Forward);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void Forward(InboxEvent inboxEvent)
    {
        // A connection is in "all channels" or in its channels' groups, never both: each client gets an event once.
        var clients = hub.Clients.Groups(InboxHub.AllChannels, InboxHub.ChannelGroup(inboxEvent.ChannelId));
        var send = inboxEvent switch
        {
            ConversationChanged e => clients.ConversationChanged(e),
            MessageAdded e => clients.MessageAdded(e),
            MessageUpdated e => clients.MessageUpdated(e),
            _ => Task.CompletedTask,
        };
        if (!send.IsCompletedSuccessfully)
        {
            _ = send.ContinueWith(t => logger.LogWarning(t.Exception, "Forwarding {Event} to hub clients failed", inboxEvent.GetType().Name),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }
}

public static class InboxHubAuthentication
{
    public const string TokenScheme = "InboxHubToken";
    public const string Schemes = "Identity.Application," + TokenScheme;

    public static IServiceCollection AddInboxHub(this IServiceCollection services)
    {
        services.AddSingleton<InboxHubAccess>();
        services.AddSignalR().AddHubOptions<InboxHub>(options => options.AddFilter<InboxHubAccess>());
        services.AddHostedService<InboxHubBridge>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, PersonalTokenHandler>(TokenScheme, null);
        return services;
    }

    public static void MapInboxHub(this IEndpointRouteBuilder app) => app.MapHub<InboxHub>(InboxHub.Path);
}

/// <summary>Authenticates a personal API token (stored as SHA-256) of an active user, from access_token or a Bearer header.</summary>
public sealed class PersonalTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<TalkToMeDbContext> factory)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = Request.Query["access_token"];
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(token) && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        var hash = Secrets.Hash(token);
        await using var db = await factory.CreateDbContextAsync(Context.RequestAborted);
        var user = await db.ApiTokens
            .Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Join(db.Users, t => t.UserId, u => u.Id, (_, u) => new { u.Id, u.DisplayName, u.IsDeactivated })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (user is null || user.IsDeactivated)
        {
            return AuthenticateResult.Fail("Token inválido ou revogado.");
        }

        var roles = await db.UserRoles.Where(r => r.UserId == user.Id)
            .Join(db.Roles, r => r.RoleId, role => role.Id, (_, role) => role.Name!)
            .ToListAsync(Context.RequestAborted);
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user.Id), new(ClaimTypes.Name, user.DisplayName) };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }
}
