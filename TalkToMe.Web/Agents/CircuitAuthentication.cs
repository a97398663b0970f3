using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Agents;

/// <summary>
/// The signed-in user of an open page (circuit). The cookie is checked only when a page loads, and a page may stay open
/// for days: this re-checks the user against the database every <see cref="TalkToMeOptions.AuthOptions.RevalidationInterval"/>
/// (deactivated, role taken away, or another sign-in renewed the security stamp), at once when an admin changes the
/// user on the Agentes page, and — through <see cref="UserAccessGate"/> — before every action the page sends.
/// Once revoked the page stays signed out: its routes show "not authorized", which sends the browser to sign in.
/// </summary>
public sealed class CircuitAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly UserAccessCheck _access;
    private readonly IOptions<TalkToMeOptions> _options;
    private readonly IDisposable _subscription;
    private string? _userId;
    private int _revoked;

    private readonly NavigationManager _navigation;

    public CircuitAuthenticationStateProvider(ILoggerFactory loggerFactory, UserAccessCheck access, UserAccessSignal signal,
        IOptions<TalkToMeOptions> options, IOptions<IdentityOptions> identity, NavigationManager navigation)
        : base(loggerFactory)
    {
        _access = access;
        _navigation = navigation;
        _options = options;
        AuthenticationStateChanged += async state =>
            _userId = (await state).User.FindFirstValue(identity.Value.ClaimsIdentity.UserIdClaimType);
        _subscription = signal.Subscribe(userId =>
        {
            if (userId == _userId)
            {
                _ = RevalidateNowAsync();
            }
        });
    }

    /// <summary>This page's sign-in was found stale: nothing it sends is acted on any more.</summary>
    public bool Revoked => Volatile.Read(ref _revoked) == 1;

    protected override TimeSpan RevalidationInterval => _options.Value.Auth.RevalidationInterval;

    /// <summary>
    /// Raised after each periodic check found the sign-in still valid: what else the page holds about its user (the channels
    /// it may see, <see cref="CircuitChannelAccess"/>) is re-read on the same interval.
    /// </summary>
    public event Action? Revalidated;

    /// <summary>Signs this page out for good (the user was deactivated or lost a role).</summary>
    public void Revoke()
    {
        if (Interlocked.Exchange(ref _revoked, 1) == 0)
        {
            SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
            // Straight to sign-in as well: the signed-out state re-renders the routes into RedirectToLogin, but a page
            // busy elsewhere (or not under the router's authorization) must not keep showing data meanwhile.
            try
            {
                var returnUrl = "/" + _navigation.ToBaseRelativePath(_navigation.Uri);
                _navigation.NavigateTo($"/account/signed-out?returnUrl={Uri.EscapeDataString(returnUrl)}", forceLoad: true);
            }
            catch (Exception)
            {
                // No live page behind this provider (a prerendering request): nothing to send anywhere.
            }
        }
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        if (Revoked)
        {
            return false;
        }

        if (authenticationState.User.Identity?.IsAuthenticated != true)
        {
            // Anonymous pages (sign-in, the website widget's chat) have no sign-in to lose.
            return true;
        }

        var valid = await _access.SignInStillValidAsync(authenticationState.User, cancellationToken);
        if (!valid)
        {
            // The base class signs the page out when this returns false; remember it so no later event gets through.
            Interlocked.Exchange(ref _revoked, 1);
        }
        else
        {
            Revalidated?.Invoke();
        }

        return valid;
    }

    private async Task RevalidateNowAsync()
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.Identity?.IsAuthenticated == true && !await _access.SignInStillValidAsync(state.User))
            {
                Revoke();
            }
        }
        catch (Exception)
        {
            // The periodic check and the check before every action still stand.
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _subscription.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Checks, on the server and before every event, call or navigation a page sends over its circuit, that its user is
/// still active and still has the roles the page was opened with. A stale page's action is dropped (never half-run with
/// old rights) and the page is signed out, which sends it to sign in.
/// </summary>
public sealed class UserAccessGate(AuthenticationStateProvider provider, UserAccessCheck access, TimeProvider time,
    ILogger<UserAccessGate> logger) : CircuitHandler
{
    /// <summary>
    /// How long a "still allowed" answer from the database is reused. A live inbox acknowledges every render batch (tens a
    /// second while messages arrive), and each acknowledgement is an activity: one query each doubled the agent page's
    /// push latency. A quarter of a second is far below human speed; a deactivation from the Agentes page is immediate
    /// anyway (it revokes the open pages).
    /// </summary>
    public static readonly TimeSpan ReuseAnswerFor = TimeSpan.FromMilliseconds(250);

    private readonly Lock _order = new();
    private Task _previousHandedOn = Task.CompletedTask;
    private long _allowedAt = long.MinValue;

    /// <summary>
    /// Activities pass in the order the page sent them. Blazor starts each one without waiting for the one before, so a
    /// check that waits on the database would otherwise let a later event overtake an earlier one (a "submit" run before
    /// the "change" that filled the field it saves).
    /// </summary>
    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            var handedOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task previous;
            lock (_order)
            {
                previous = _previousHandedOn;
                _previousHandedOn = handedOn.Task;
            }

            Task work;
            try
            {
                await previous;
                // next() queues the activity on the circuit's dispatcher before it returns: the next one queues behind it.
                work = await AllowedAsync() ? next(context) : Task.CompletedTask;
            }
            finally
            {
                handedOn.SetResult();
            }

            await work;
        };

    private async Task<bool> AllowedAsync()
    {
        if (provider is not CircuitAuthenticationStateProvider circuit)
        {
            return true;
        }

        if (circuit.Revoked)
        {
            return false;
        }

        var user = (await circuit.GetAuthenticationStateAsync()).User;
        if (user.Identity?.IsAuthenticated != true)
        {
            // Anonymous pages (sign-in, the website widget's chat) have nothing to lose.
            return true;
        }

        var now = time.GetTimestamp();
        if (_allowedAt != long.MinValue && time.GetElapsedTime(_allowedAt, now) < ReuseAnswerFor)
        {
            return true;
        }

        try
        {
            if (await access.StillAllowedAsync(user))
            {
                _allowedAt = now;
                return true;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The activity may be the answer to a JS call or a render acknowledgement, not a click: dropping it would leave
            // the page waiting forever. A database that cannot answer this once lets it through; the next activity asks
            // again, the periodic revalidation still runs, and a deactivation from the Agentes page signs pages out at once.
            logger.LogWarning(ex, "Could not check user {UserId} before an activity of their open page; let through",
                user.FindFirstValue(ClaimTypes.NameIdentifier));
            return true;
        }

        logger.LogInformation("Refused an action from an open page of user {UserId}: deactivated or role removed; signing the page out",
            user.FindFirstValue(ClaimTypes.NameIdentifier));
        circuit.Revoke();
        return false;
    }
}
