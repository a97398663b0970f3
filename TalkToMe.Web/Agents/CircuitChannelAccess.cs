using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using TalkToMe.Core.Agents;

namespace TalkToMe.Web.Agents;

/// <summary>
/// The channels the user of one open page (circuit) may see (<see cref="ChannelAccess"/>), kept current while the page stays
/// open: re-read at once when an admin changes the user's groups or restriction (<see cref="UserAccessSignal"/>, from any
/// node through the relay) and at every periodic re-check of the sign-in (<see cref="CircuitAuthenticationStateProvider"/>),
/// so a change made elsewhere shows within the revalidation interval. The inbox pages filter their list, thread and live
/// events with <see cref="Current"/> and reload when <see cref="Changed"/> fires.
/// </summary>
public sealed class CircuitChannelAccess : IDisposable
{
    private readonly ChannelAccess _access;
    private readonly IDisposable _signal;
    private readonly CircuitAuthenticationStateProvider? _circuit;
    private string? _userId;
    private volatile ChannelScope _scope = ChannelScope.None;

    public CircuitChannelAccess(ChannelAccess access, UserAccessSignal signal, AuthenticationStateProvider provider)
    {
        _access = access;
        _signal = signal.Subscribe(userId =>
        {
            if (userId == _userId)
            {
                _ = RefreshAsync();
            }
        });
        _circuit = provider as CircuitAuthenticationStateProvider;
        if (_circuit is not null)
        {
            _circuit.Revalidated += OnRevalidated;
        }
    }

    /// <summary>What the page may show now: nothing until <see cref="LoadAsync"/> read it.</summary>
    public ChannelScope Current => _scope;

    /// <summary>Raised (on a pool thread) when the user's channels changed; the page re-reads what it shows.</summary>
    public event Action? Changed;

    public async Task<ChannelScope> LoadAsync(ClaimsPrincipal user)
    {
        _userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        _scope = await _access.ForUserAsync(_userId);
        return _scope;
    }

    /// <summary>Reads the user's channels again; raises <see cref="Changed"/> when they differ.</summary>
    public async Task RefreshAsync()
    {
        if (_userId is null)
        {
            return;
        }

        try
        {
            var scope = await _access.ForUserAsync(_userId);
            if (!scope.SameAs(_scope))
            {
                _scope = scope;
                Changed?.Invoke();
            }
        }
        catch (Exception)
        {
            // The next signal or periodic re-check reads again; every command checks the rule in its own transaction anyway.
        }
    }

    private void OnRevalidated() => _ = RefreshAsync();

    public void Dispose()
    {
        _signal.Dispose();
        if (_circuit is not null)
        {
            _circuit.Revalidated -= OnRevalidated;
        }
    }
}

/// <summary>
/// Carries Core's "these users' channels changed" (<see cref="ChannelAccessSignal"/>: a group's agents or channels) to the web
/// layer's signal of changed users, which re-reads their open pages, closes their hub connections (they reconnect into their
/// new channels) and reaches the other nodes through the relay.
/// </summary>
public sealed class ChannelAccessRelay(ChannelAccessSignal channels, UserAccessSignal users) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = channels.Subscribe(userIds =>
        {
            foreach (var userId in userIds)
            {
                users.Changed(userId);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
