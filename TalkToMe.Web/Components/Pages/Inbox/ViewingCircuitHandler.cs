using Microsoft.AspNetCore.Components.Server.Circuits;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Web.Components.Pages.Inbox;

/// <summary>
/// The conversation this page (circuit) shows, for "who is here": the agent's avatar shows to the others while the thread
/// is open and the connection is up. A dropped connection or a closed tab takes it away at once (Blazor would keep the
/// circuit for minutes in case the page comes back); a reconnect brings it back.
/// </summary>
public sealed class ViewingCircuitHandler(ConversationPresence presence) : CircuitHandler
{
    private readonly ConversationPresence _presence = presence;
    private readonly Lock _gate = new();
    private readonly List<View> _views = [];
    private bool _down;

    /// <summary>The thread of <paramref name="conversationId"/> is open on this page until the handle is disposed.</summary>
    public IDisposable Open(int conversationId, string userId, string name)
    {
        var view = new View(this, conversationId, userId, name);
        lock (_gate)
        {
            _views.Add(view);
            if (!_down)
            {
                view.Show();
            }
        }

        return view;
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _down = true;
            _views.ForEach(v => v.Hide());
        }

        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _down = false;
            _views.ForEach(v => v.Show());
        }

        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _down = true;
            _views.ForEach(v => v.Hide());
            _views.Clear();
        }

        return Task.CompletedTask;
    }

    private sealed class View(ViewingCircuitHandler owner, int conversationId, string userId, string name) : IDisposable
    {
        private IDisposable? _shown;

        public void Show() => _shown ??= owner._presence.View(conversationId, userId, name);

        public void Hide()
        {
            _shown?.Dispose();
            _shown = null;
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._views.Remove(this);
                Hide();
            }
        }
    }
}
