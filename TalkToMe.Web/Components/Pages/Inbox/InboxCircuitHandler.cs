using Microsoft.AspNetCore.Components.Server.Circuits;

namespace TalkToMe.Web.Components.Pages.Inbox;

/// <summary>
/// Tells the open inbox when its circuit's connection comes back (Wi-Fi drop, laptop waking up), so it re-reads what
/// changed instead of trusting that every push made it. A circuit that expired meanwhile is not resumed: blazor.web.js
/// reloads the page, which loads everything fresh.
/// </summary>
public sealed class InboxCircuitHandler : CircuitHandler
{
    private bool _wasDown;

    public event Func<Task>? Reconnected;

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _wasDown = true;
        return Task.CompletedTask;
    }

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_wasDown && Reconnected is { } handler)
        {
            _wasDown = false;
            await handler();
        }
    }
}
