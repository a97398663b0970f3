using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Widget;

/// <summary>The website widget's public side: its configuration for the loader, and who may frame the chat page.</summary>
public static class WidgetEndpoints
{
    public static async Task<(Channel Channel, WebsiteSettings Settings)?> FindWebsiteChannelAsync(
        IDbContextFactory<TalkToMeDbContext> factory, string publicKey, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var channel = await db.Channels.AsNoTracking()
            .FirstOrDefaultAsync(c => c.PublicKey == publicKey && c.Type == ChannelType.Website && c.DeletedAt == null, cancellationToken);
        return channel is null ? null : (channel, channel.GetSettings<WebsiteSettings>());
    }

    public static void MapWidgetEndpoints(this IEndpointRouteBuilder app)
    {
        // The loader (widget.js) asks for the launcher's look; readable cross-origin only by allowed sites.
        app.MapGet("/widget/{publicKey}/config", async (string publicKey, HttpContext context,
            IDbContextFactory<TalkToMeDbContext> factory) =>
        {
            var found = await FindWebsiteChannelAsync(factory, publicKey, context.RequestAborted);
            if (found is not { } widget)
            {
                return Results.NotFound(new { error = "Canal de chat não encontrado." });
            }

            var origin = context.Request.Headers.Origin.ToString();
            if (WebsiteIdentity.IsAllowedOrigin(widget.Settings, origin))
            {
                context.Response.Headers.AccessControlAllowOrigin = WebsiteIdentity.Normalize(origin);
                context.Response.Headers.Vary = "Origin";
            }

            return Results.Ok(new
            {
                color = widget.Settings.WidgetColor,
                title = widget.Settings.WelcomeTitle,
                available = widget.Channel.CanReceive,
            });
        }).AllowAnonymous().RequireRateLimiting(WidgetRateLimiting.Policy);
    }

    /// <summary>
    /// Pages may be framed only by TalkToMe itself, except the chat page, which the channel's allowed sites may frame:
    /// the browser enforces it (CSP frame-ancestors), so another site cannot embed a channel's chat.
    /// </summary>
    public static IApplicationBuilder UseWidgetFraming(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path.Value ?? "";
        var ancestors = "'self'";
        if (path.StartsWith("/widget/", StringComparison.OrdinalIgnoreCase) && path.Count(c => c == '/') == 2)
        {
            var factory = context.RequestServices.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
            var found = await FindWebsiteChannelAsync(factory, path["/widget/".Length..], context.RequestAborted);
            var allowed = found is { } widget ? WebsiteIdentity.AllowedOrigins(widget.Settings) : [];
            ancestors = allowed.Count == 0 ? "'none'" : string.Join(' ', allowed);
        }

        context.Response.Headers.ContentSecurityPolicy = TalkToMe.Web.Hosting.SecurityHeaders.ContentSecurityPolicy(ancestors);
        await next();
    });
}

public static class WidgetRateLimiting
{
    public const string Policy = "widget";
}
