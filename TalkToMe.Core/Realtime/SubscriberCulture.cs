using System.Globalization;

namespace TalkToMe.Core.Realtime;

/// <summary>
/// Runs a subscriber's handler in the culture it subscribed with. Handlers run on the publisher's thread, and a Blazor
/// component's InvokeAsync carries that thread's context into the render: without this, an English agent's thread
/// re-rendered by a Portuguese agent's action came out in Portuguese.
/// </summary>
internal static class SubscriberCulture
{
    public static Action<T> Bind<T>(Action<T> handler)
    {
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        return value =>
        {
            var (previous, previousUi) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
            try
            {
                handler(value);
            }
            finally
            {
                CultureInfo.CurrentCulture = previous;
                CultureInfo.CurrentUICulture = previousUi;
            }
        };
    }

    public static Action Bind(Action handler)
    {
        var bound = Bind<bool>(_ => handler());
        return () => bound(true);
    }
}
