using System.Globalization;
using System.Security.Claims;
using Bunit;
using MudBlazor.Services;
using TalkToMe.Core;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Support;

/// <summary>
/// The one bUnit context for TalkToMe's components: logging, the app's localization in pt-BR (the product's language)
/// or en, the UI component library's services and loose JS interop (inbox.js never runs here, so calls into it only
/// need to be accepted). Components that read or write data get a real migrated SQLite database and the Core services
/// through <see cref="AddCoreAsync"/>, with a fake clock. Create one per test: the culture applies to the test's flow.
/// </summary>
public sealed class ComponentTestContext : BunitContext
{
    public const string PortugueseBrazil = "pt-BR";
    public const string English = "en";

    private readonly CultureInfo _previousCulture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _previousUICulture = CultureInfo.CurrentUICulture;
    private TestDatabase? _database;

    static ComponentTestContext()
    {
        // A page's first load reads a real database: on the 2-core CI machine under a full suite (and on PostgreSQL) that
        // can take longer than bUnit's one-second default. Waits still end as soon as their condition holds.
        DefaultWaitTimeout = TimeSpan.FromSeconds(10);
    }

    public ComponentTestContext(string culture = PortugueseBrazil)
    {
        // Both, as RequestLocalization does in the app: texts follow the UI culture, numbers and dates the culture.
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        Services.AddLogging();
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        AddComponentLibraries(Services);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    /// <summary>The clock the Core services and the pages read once <see cref="AddCoreAsync"/> ran.</summary>
    public FakeTimeProvider Clock { get; } = new(TestData.Now);

    public TestDatabase Database => _database ?? throw new InvalidOperationException("Call AddCoreAsync first.");

    // The UI component library's services, as the app registers them (MudBlazor: snackbars, dialogs, popovers).
    private static void AddComponentLibraries(IServiceCollection services) => services.AddMudServices();

    /// <summary>
    /// A real migrated SQLite database and the Core services on it as the app registers them (no background workers:
    /// nothing is sent to a provider), plus what the inbox pages take from the web host. Call before the first render.
    /// </summary>
    public async Task<TestDatabase> AddCoreAsync()
    {
        _database = await TestDatabase.CreateAsync();
        Services.AddTalkToMeCore(_database.Settings);
        // Registered after Core's TimeProvider.System, so this one wins.
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddScoped<InboxCircuitHandler>();
        Services.AddScoped<ViewingCircuitHandler>();
        Services.AddSingleton<QueueWatch>();
        Services.AddSingleton<TalkToMe.Web.Agents.UserAccessSignal>();
        Services.AddScoped<TalkToMe.Web.Agents.CircuitChannelAccess>();
        return _database;
    }

    /// <summary>The signed-in agent the pages see through their cascading AuthenticationState.</summary>
    public void SignIn(string userId, string name, params string[] roles)
    {
        var authorization = AddAuthorization();
        authorization.SetAuthorized(name);
        authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId));
        if (roles.Length > 0)
        {
            authorization.SetRoles(roles);
        }

        // The pages ask the database which channels the user may see (ChannelAccess): an unknown user sees none, so the
        // signed-in agent exists there as in the app (unrestricted unless a test restricts them). Outside any bUnit wait.
        if (_database is { } database)
        {
            using var db = database.NewContext();
            if (!db.Users.Any(u => u.Id == userId))
            {
                db.Users.Add(new TalkToMe.Core.Agents.AppUser
                {
                    Id = userId, UserName = $"{userId}@talktome.test", Email = $"{userId}@talktome.test", DisplayName = name, CreatedAt = TestData.Now,
                });
                db.SaveChanges();
            }
        }
    }

    public T GetService<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await ReleaseAsync();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            ReleaseAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    // The service provider (and the pooled connections' users) are gone by now, so the database file can be deleted.
    private async ValueTask ReleaseAsync()
    {
        CultureInfo.CurrentCulture = _previousCulture;
        CultureInfo.CurrentUICulture = _previousUICulture;
        if (_database is { } database)
        {
            _database = null;
            await database.DisposeAsync();
        }
    }
}
