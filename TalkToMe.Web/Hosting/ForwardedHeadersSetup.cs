using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// Behind a TLS-terminating proxy the app sees plain HTTP from the proxy; X-Forwarded-Proto/For tell it the browser's
/// scheme and address, but only when they come from a proxy listed in TalkToMe:ForwardedHeaders (anyone else could
/// claim anything). The scheme decides Secure cookies and HSTS; the address feeds the rate limits.
/// </summary>
public static class ForwardedHeadersSetup
{
    public static bool IsConfigured(TalkToMeOptions.ForwardedHeadersSettings settings) =>
        settings.KnownProxies.Count > 0 || settings.KnownNetworks.Count > 0;

    public static void Configure(ForwardedHeadersOptions options, TalkToMeOptions.ForwardedHeadersSettings settings)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        // Only what is configured: the defaults (loopback) are dropped so the list in the settings is the whole truth.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in settings.KnownProxies)
        {
            if (!IPAddress.TryParse(proxy.Trim(), out var address))
            {
                throw new StartupException(
                    $"TalkToMe:ForwardedHeaders:KnownProxies has \"{proxy}\", which is not an IP address (e.g. 127.0.0.1 or 10.0.0.5).");
            }

            options.KnownProxies.Add(address);
        }

        foreach (var network in settings.KnownNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(network.Trim(), out var parsed))
            {
                throw new StartupException(
                    $"TalkToMe:ForwardedHeaders:KnownNetworks has \"{network}\", which is not a network in CIDR notation (e.g. 10.0.0.0/8).");
            }

            options.KnownIPNetworks.Add(parsed);
        }
    }
}
