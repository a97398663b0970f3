using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using TalkToMe.Web.Widget;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// <c>TalkToMe:RateLimits</c>: how many requests the public, unauthenticated-by-cookie endpoints (provider webhooks, the API
/// channel, the widget) take per window, per channel and per client IP. The defaults only stop floods: a provider's
/// burst after an outage and the ingest benchmark (thousands of messages a second into one API channel) stay under them.
/// </summary>
public sealed class PublicRateLimitOptions
{
    public const string Section = "TalkToMe:RateLimits";

    /// <summary>Requests one channel (its webhook URL or API channel id) takes per <see cref="Window"/>, from everyone together.</summary>
    public int PerChannel { get; set; } = 60_000;

    /// <summary>Requests one client IP may send to any public endpoint per <see cref="Window"/>.</summary>
    public int PerIp { get; set; } = 60_000;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

public static class PublicRateLimits
{
    /// <summary>The per-channel policy every webhook and the API channel's endpoint require.</summary>
    public const string PerChannelPolicy = "public-per-channel";

    public static IServiceCollection AddPublicRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(PublicRateLimitOptions.Section).Get<PublicRateLimitOptions>() ?? new PublicRateLimitOptions();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                // Providers and API clients back off by Retry-After; without it some retry at once.
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limits.Window;
                context.HttpContext.Response.Headers.RetryAfter =
                    Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Results.Problem("Muitas requisições em pouco tempo: tente de novo depois do tempo em Retry-After.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Limite de requisições").ExecuteAsync(context.HttpContext);
            };

            // Per IP over all public machine endpoints: one client spraying channel keys meets this one.
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsPublic(context.Request.Path)
                    ? RateLimitPartition.GetFixedWindowLimiter("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                        _ => Window(limits.PerIp, limits.Window))
                    : RateLimitPartition.GetNoLimiter(""));

            // Per channel: the key in the URL (webhooks) or the API channel id, whoever sends.
            options.AddPolicy(PerChannelPolicy, context =>
            {
                var key = context.Request.RouteValues["publicKey"] ?? context.Request.RouteValues["channelId"];
                return RateLimitPartition.GetFixedWindowLimiter("channel:" + (key?.ToString() ?? ""),
                    _ => Window(limits.PerChannel, limits.Window));
            });

            options.AddPolicy(WidgetRateLimiting.Policy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 120, Window = TimeSpan.FromMinutes(1) }));
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) =>
        new() { PermitLimit = Math.Max(1, permits), Window = window > TimeSpan.Zero ? window : TimeSpan.FromSeconds(10), QueueLimit = 0 };

    private static bool IsPublic(PathString path) =>
        path.StartsWithSegments("/webhooks") || path.StartsWithSegments("/api/v1/channels") || path.StartsWithSegments("/widget");
}

/// <summary>Puts an endpoint under the per-channel limit.</summary>
public static class PublicRateLimitEndpointExtensions
{
    public static TBuilder RequirePerChannelRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(PublicRateLimits.PerChannelPolicy);
}
