using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using TalkToMe.Web.Agents;

namespace TalkToMe.Web.Realtime;

/// <summary>
/// Keeps /hubs/inbox for active users: a connection is refused when its user is no longer active or lost a role its
/// claims show (a cookie may be up to the revalidation interval old), every hub method call is checked the same way,
/// and an admin's deactivation or role change on the Agentes page closes that user's open connections at once —
/// otherwise they would go on receiving every conversation. A change of the channels the user may see (their groups'
/// agents or channels, their restriction) closes them too: the client reconnects into its new channels' groups
/// (<see cref="InboxHub"/>).
/// </summary>
public sealed class InboxHubAccess : IHubFilter, IDisposable
{
    private readonly UserAccessCheck _access;
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new();
    private readonly IDisposable _subscription;

    public InboxHubAccess(UserAccessCheck access, UserAccessSignal signal)
    {
        _access = access;
        _subscription = signal.Subscribe(CloseConnectionsOf);
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await RequireStillAllowedAsync(context.Context);
        _connections[context.Context.ConnectionId] = context.Context;
        await next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _connections.TryRemove(context.Context.ConnectionId, out _);
        return next(context, exception);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        await RequireStillAllowedAsync(invocationContext.Context);
        return await next(invocationContext);
    }

    public void Dispose() => _subscription.Dispose();

    private async Task RequireStillAllowedAsync(HubCallerContext caller)
    {
        if (caller.User is null || !await _access.StillAllowedAsync(caller.User, caller.ConnectionAborted))
        {
            caller.Abort();
            throw new HubException("This account is deactivated or its role changed: sign in again.");
        }
    }

    private void CloseConnectionsOf(string userId)
    {
        foreach (var connection in _connections.Values.Where(c => c.UserIdentifier == userId))
        {
            connection.Abort();
        }
    }
}
