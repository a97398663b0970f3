using TalkToMe.Core.Channels;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using MudBlazor;
using MudBlazor.Services;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;
using System.Threading.RateLimiting;
using TalkToMe.Core.Messaging;
using TalkToMe.Web.Agents;
using TalkToMe.Web.Realtime;
using TalkToMe.Web.Widget;

namespace TalkToMe.Web.Hosting;

public static class WebServices
{
    public const string AdminPolicy = "Admin";
    public static readonly string[] Cultures = ["pt-BR", "en"];

    public static IServiceCollection AddTalkToMeWeb(this IServiceCollection services, IConfiguration configuration,
        DatabaseSettings database, string dataFolder)
    {
        services.AddTalkToMeCore(database);
        var settings = configuration.GetSection(TalkToMeOptions.Section).Get<TalkToMeOptions>() ?? new TalkToMeOptions();
        if (settings.Auth.RevalidationInterval <= TimeSpan.Zero)
        {
            throw new StartupException(
                $"TalkToMe:Auth:RevalidationInterval must be a positive time such as 00:00:30; got {settings.Auth.RevalidationInterval}.");
        }

        // Keys next to the database, so sign-in cookies survive a restart; encrypted at rest when a certificate is given.
        // On PostgreSQL, the engine for many nodes, they are in the database: every node reads the cookies of the others.
        var dataProtection = services.AddDataProtection().SetApplicationName("TalkToMe");
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
                options.XmlRepository = ActivatorUtilities.CreateInstance<DatabaseKeyRepository>(sp)));
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataFolder, "keys")));
        }

        if (KeyProtection.LoadCertificate(settings.DataProtection) is { } certificate)
        {
            // Unprotect with the same certificate too: on Linux there is no certificate store the decryptor would find it in.
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        services.AddOptions<TalkToMeOptions>().Bind(configuration.GetSection(TalkToMeOptions.Section));
        // Media files beside the database unless TalkToMe:Storage:Folder says where.
        services.AddOptions<Core.Media.MediaOptions>().Bind(configuration.GetSection("TalkToMe:Storage"))
            .PostConfigure(options => options.Folder = configuration["TalkToMe:Storage:Folder"] is { Length: > 0 } folder
                ? Path.GetFullPath(folder, dataFolder)
                : Path.Combine(dataFolder, "media"));
        // Public links to agents' files for the providers that fetch them by URL, signed with the shared key ring.
        services.AddSingleton<Endpoints.SignedMediaLinks>();
        services.AddSingleton<Core.Media.IMediaLinks>(sp => sp.GetRequiredService<Endpoints.SignedMediaLinks>());
        services.AddSingleton<UserAccessCheck>();
        services.AddSingleton<UserAccessSignal>();
        // Checked now, so a typo stops the start with a clear message instead of failing the first request.
        ForwardedHeadersSetup.Configure(new Microsoft.AspNetCore.Builder.ForwardedHeadersOptions(), settings.ForwardedHeaders);
        services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(options => ForwardedHeadersSetup.Configure(options, settings.ForwardedHeaders));

        services.AddIdentity<AppUser, IdentityRole>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 8;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddEntityFrameworkStores<TalkToMeDbContext>()
            .AddDefaultTokenProviders();
        // A cookie is checked against the database (security stamp) at most this long after its last check: a deactivated
        // agent's cookie stops working within it. Open pages are checked on the same interval and before every action.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = settings.Auth.RevalidationInterval);
        services.ConfigureApplicationCookie(options =>
        {
            // Secure whenever the request is HTTPS, directly or as a known proxy says (UseForwardedHeaders runs first).
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.LoginPath = "/account/login";
            options.LogoutPath = "/account/logout";
            options.AccessDeniedPath = "/account/denied";
            options.Cookie.Name = "TalkToMe.Auth";
            options.SlidingExpiration = true;
            options.ExpireTimeSpan = TimeSpan.FromDays(7);
            options.Events.OnRedirectToLogin = context => ApiAwareRedirect(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => ApiAwareRedirect(context, StatusCodes.Status403Forbidden);
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.RequireRole(Roles.Admin))
            .AddPolicy(Endpoints.ChannelAdminEndpoints.ApiAdminPolicy, policy => policy
                .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole(Roles.Admin))
            // The agent API: any active user's personal token, acting as that user (their channels only, see ChannelAccess).
            .AddPolicy(Endpoints.MediaEndpoints.ReaderPolicy, policy => policy
                .AddAuthenticationSchemes(IdentityConstants.ApplicationScheme, ApiTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(Endpoints.ConversationApiEndpoints.ApiAgentPolicy, policy => policy
                .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireRole(Roles.All));
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(
                ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddOpenApi();
        services.AddCascadingAuthenticationState();

        services.AddLocalization(options => options.ResourcesPath = "Resources");
        services.AddSingleton<ServerTextTranslator>();
        services.Configure<RequestLocalizationOptions>(options =>
        {
            options.SetDefaultCulture(Cultures[0]).AddSupportedCultures(Cultures).AddSupportedUICultures(Cultures);
            // Only the user's explicit choice (a cookie) changes the language: pt-BR is the product's language.
            options.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(options =>
        {
            // Bottom right, clear of the primary actions at the top right of every page.
            options.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            options.SnackbarConfiguration.PreventDuplicates = true;
            options.SnackbarConfiguration.VisibleStateDuration = 4000;
            options.SnackbarConfiguration.ShowCloseIcon = true;
        });
        // The open page's user, re-checked against the database (see CircuitAuthenticationStateProvider and UserAccessGate).
        services.AddScoped<AuthenticationStateProvider, CircuitAuthenticationStateProvider>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, UserAccessGate>();
        services.AddScoped<UserPreferences>();
        // One per circuit: the channels its user may see, kept current (teams, issue 15).
        services.AddScoped<CircuitChannelAccess>();
        services.AddHostedService<ChannelAccessRelay>();
        services.AddScoped<ProfileService>();
        // One per circuit: tells the open inbox when its connection came back so it resyncs.
        services.AddScoped<TalkToMe.Web.Components.Pages.Inbox.InboxCircuitHandler>();
        services.AddSingleton<TalkToMe.Web.Components.Pages.Inbox.QueueWatch>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(
            sp => sp.GetRequiredService<TalkToMe.Web.Components.Pages.Inbox.InboxCircuitHandler>());
        // One per circuit: the conversation its page shows, for the avatars of "who is here" (gone when the connection drops).
        services.AddScoped<TalkToMe.Web.Components.Pages.Inbox.ViewingCircuitHandler>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(
            sp => sp.GetRequiredService<TalkToMe.Web.Components.Pages.Inbox.ViewingCircuitHandler>());
        // One per circuit: counts the user's open pages for their availability (Disponível / Offline by itself).
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, PresenceCircuitHandler>();
        services.AddHostedService<StartupTasks>();
        // Pages set their own frame-ancestors policy (Widget/WidgetEndpoints.cs): the chat page must be framable by
        // the channel's sites, which antiforgery's X-Frame-Options: SAMEORIGIN would forbid.
        services.AddAntiforgery(options =>
        {
            options.SuppressXFrameOptionsHeader = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddSingleton<VisitorTokens>();
        services.AddSingleton<WidgetRateLimiter>();
        services.AddPublicRateLimits(configuration);
        services.Configure<OutboundOptions>(configuration.GetSection(OutboundOptions.Section));
        services.Configure<TalkToMe.Core.Agents.PresenceOptions>(configuration.GetSection(TalkToMe.Core.Agents.PresenceOptions.Section));
        services.Configure<TalkToMe.Core.Realtime.ConversationPresenceOptions>(
            configuration.GetSection(TalkToMe.Core.Realtime.ConversationPresenceOptions.Section));
        services.Configure<TalkToMe.Core.Conversations.AutoAssignOptions>(configuration.GetSection(TalkToMe.Core.Conversations.AutoAssignOptions.Section));
        var publicUrl = configuration[$"{TalkToMeOptions.Section}:PublicUrl"];
        try
        {
            // Checked at start-up: a typo here would otherwise only show as Twilio receipts that never arrive.
            PublicUrls.Normalize(publicUrl);
        }
        catch (FormatException)
        {
            throw new StartupException(
                $"TalkToMe:PublicUrl (TalkToMe__PublicUrl) must be an absolute http or https URL without a query, e.g. https://chat.example.com; got \"{publicUrl}\".");
        }

        services.Configure<PublicUrlOptions>(o => o.PublicUrl = publicUrl);
        services.AddTalkToMeWorkers();
        services.AddInboxHub();
        services.AddRedisBetweenNodes(configuration);
        services.AddScoped<AdminBootstrap>();
        services.AddScoped<DemoData>();
        services.AddScoped<AgentAdminService>();
        services.AddScoped<Components.Pages.Channels.OneTimeSecrets>();
        return services;
    }

    private static Task ApiAwareRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        // JSON clients get a status code, people get the sign-in page.
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
