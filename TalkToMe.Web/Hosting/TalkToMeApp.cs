using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using TalkToMe.Web.Components;
using TalkToMe.Web.Endpoints;
using TalkToMe.Web.Realtime;
using TalkToMe.Web.Endpoints.Webhooks;
using TalkToMe.Web.Widget;

namespace TalkToMe.Web.Hosting;

/// <summary>The composition root, shared by Program and by tests that host the real app on a loopback port.</summary>
public static class TalkToMeApp
{
    public const string DevelopmentAdminPassword = "TalkToMe!2026";

    public static async Task<int> RunAsync(string[] args)
    {
        // A maintenance command runs instead of the web server, which is never built for it.
        if (CopyDataCommand.Matches(args))
        {
            return await CopyDataCommand.RunAsync(args[1..], Console.Out, Console.Error);
        }

        if (RebuildReportsCommand.Matches(args))
        {
            return await RebuildReportsCommand.RunAsync(args[1..], Console.Out, Console.Error);
        }

        try
        {
            var app = Build(args);
            app.Lifetime.ApplicationStarted.Register(() => PrintWelcome(app));
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ex is StartupException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"TalkToMe cannot start: {ex.Message}");
            return 1;
        }
    }

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Tests host this app from another assembly: keep its name so static web assets resolve.
            ApplicationName = typeof(TalkToMeApp).Assembly.GetName().Name,
        });
        configure?.Invoke(builder);
        // Kestrel's limits from configuration too (Kestrel:Limits:KeepAliveTimeout…), not only its endpoints.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));

        var (database, dataFolder) = DatabaseLocation.Resolve(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddTalkToMeWeb(builder.Configuration, database, dataFolder);

        var app = builder.Build();
        app.UseTalkToMePipeline();
        return app;
    }

    private static void UseTalkToMePipeline(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TalkToMeOptions>>().Value;
        // First, so everything after it (Secure cookies, HSTS, rate limits) sees the browser's scheme and address.
        if (ForwardedHeadersSetup.IsConfigured(options.ForwardedHeaders))
        {
            app.UseForwardedHeaders();
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler(ErrorPage.Path, createScopeForErrors: true);
            // Only sent over HTTPS (and never for localhost): browsers then refuse plain HTTP to this host.
            app.UseHsts();
        }

        app.UseSecurityHeaders();

        // A person who opens an unknown address gets the "page not found" page with a way back, not an empty 404. Only
        // page requests: an API, hub or webhook client keeps its own status code and body (re-executing a refused POST
        // would turn its 401/403 into antiforgery's 400).
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) || IsMachinePath(context.Request.Path))
            {
                context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
            }

            return next(context);
        });
        app.UseWidgetFraming();
        // The widget loader runs on customers' pages, which may declare no charset: say UTF-8 in the header too.
        app.Use((context, next) =>
        {
            if (context.Request.Path.Equals("/widget.js", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.OnStarting(() =>
                {
                    if (context.Response.ContentType?.StartsWith("text/javascript", StringComparison.Ordinal) == true)
                    {
                        context.Response.ContentType = "text/javascript; charset=utf-8";
                    }

                    return Task.CompletedTask;
                });
            }

            return next(context);
        });
        app.UseRequestLocalization();
        ServerTextTranslator.Install(app.Services);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.UseRateLimiter();

        app.MapStaticAssets();
        app.MapAccountEndpoints();
        app.MapCultureEndpoints();
        app.MapWidgetEndpoints();
        app.MapApiChannelEndpoints();
        app.MapInboxHub();
        app.MapTelegramWebhookEndpoints();
        app.MapWhatsAppWebhookEndpoints();
        app.MapMessengerWebhookEndpoints();
        app.MapLineWebhookEndpoints();
        app.MapSmsWebhookEndpoints();
        app.MapChannelAdminEndpoints();
        app.MapReportEndpoints();
        app.MapMediaEndpoints();
        app.MapConversationApiEndpoints();
        app.MapOpenApi();
        app.MapEmailWebhookEndpoints();
        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapErrorPage();
        // Framing is decided per page by UseWidgetFraming (the widget's chat page must be framable by its sites);
        // Blazor's own blanket "frame-ancestors 'self'" would forbid that.
        // No WebSocket compression on the circuit: its per-connection deflate state cost ~1 MB of native memory per open
        // page and CPU on every render batch, for batches that are a few hundred bytes.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o =>
        {
            o.ContentSecurityFrameAncestorsPolicy = null;
            o.DisableWebSocketCompression = true;
        });
    }

    private static bool IsMachinePath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/webhooks")
        || path.StartsWithSegments("/widget") || path.StartsWithSegments("/healthz");

    private static void PrintWelcome(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var options = app.Services.GetRequiredService<IOptions<TalkToMeOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TalkToMe");
        // The Development default is documented in the README, so it is no secret; a configured password never is printed.
        var signIn = app.Environment.IsDevelopment() && options.Admin.Password == DevelopmentAdminPassword
            ? $"sign in as {options.Admin.Email} with the password {DevelopmentAdminPassword}"
            : $"sign in as {options.Admin.Email} with the password configured in TalkToMe__Admin__Password";
        logger.LogInformation("TalkToMe is running at {Addresses}: {SignIn}", string.Join(", ", addresses), signIn);
    }
}
