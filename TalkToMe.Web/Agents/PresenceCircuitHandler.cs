using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using TalkToMe.Core.Agents;

namespace TalkToMe.Web.Agents;

/// <summary>
/// Counts the signed-in user's open pages for <see cref="AgentPresence"/>: a circuit counts while its connection is up, so a
/// closed tab or a dropped connection starts the count to Offline at once rather than when Blazor gives up on the circuit
/// minutes later; a reconnect counts the page again. Anonymous pages (sign-in, the website widget's chat) are not agents.
/// </summary>
public sealed class PresenceCircuitHandler(AuthenticationStateProvider authentication, AgentPresence presence,
    ILogger<PresenceCircuitHandler> logger) : CircuitHandler
{
    private string? _counted;

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_counted is not null)
        {
            return;
        }

        try
        {
            var user = (await authentication.GetAuthenticationStateAsync()).User;
            if (user.Identity?.IsAuthenticated == true && user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
            {
                _counted = userId;
                await presence.PageOpenedAsync(userId, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Availability must never keep a page from opening; the heartbeat writes the user's presence again soon.
            logger.LogWarning(ex, "Could not record an open page for availability");
        }
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken) => CloseAsync();

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken) => CloseAsync();

    private async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _counted, null) is not { } userId)
        {
            return;
        }

        try
        {
            await presence.PageClosedAsync(userId);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not record a closed page for availability");
        }
    }
}
