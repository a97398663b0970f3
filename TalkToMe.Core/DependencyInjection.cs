using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core;

public static class DependencyInjection
{
    /// <summary>Registers the product without a web server: persistence, services and the event hub.</summary>
    public static IServiceCollection AddTalkToMeCore(this IServiceCollection services, string connectionString) =>
        services.AddTalkToMeCore(DatabaseSettings.Sqlite(connectionString));

    /// <summary>Registers the product on the given storage engine.</summary>
    public static IServiceCollection AddTalkToMeCore(this IServiceCollection services, DatabaseSettings database)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(database);
        // A Blazor circuit lives for hours: a context per operation, never one per circuit. Pooled, because every
        // inbound request and inbox read creates one: building a context from scratch costs more than the query.
        services.AddPooledDbContextFactory<TalkToMeDbContext>(database.Configure);
        services.TryAddScoped(sp => sp.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseMigrator>();
        // SQLite: this process's writers take turns in memory; PostgreSQL: rows are locked in the database instead.
        services.AddSingleton(WriteGate.For(database.Provider));
        services.AddSingleton<UnitOfWorkFactory>();
        services.AddSingleton<InboxEventHub>();
        // Who views and who types in each conversation: memory only, shared between nodes by the Redis relay if any.
        services.AddSingleton<ConversationPresence>();
        services.AddSingleton<ReplyCollisions>();
        services.AddSingleton<InboxQuery>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<KeepAliveSignal>();
        services.AddSingleton<SnoozeSignal>();
        services.AddSingleton<DeliveryStatusService>();
        services.AddSingleton<InboundWriter>();
        services.AddSingleton<ConversationCommands>();
        services.AddSingleton<ConversationStarter>();
        services.AddSingleton<MacroRunner>();
        services.AddSingleton<SnoozeService>();
        services.AddSingleton<InboxLookups>();
        services.AddSingleton<ConversationDetails>();
        services.AddSingleton<Contacts.ContactDirectory>();
        services.AddSingleton<InboxFeed>();
        services.AddSingleton<LabelService>();
        services.AddSingleton<CannedResponseService>();
        services.AddSingleton<MacroService>();
        services.AddSingleton<IConversationFlows, FlowEngine>();
        services.TryAddSingleton<IConversationFlows, NoConversationFlows>();
        services.AddSingleton<Channels.ChannelAdminService>();
        services.AddSingleton<Channels.ChannelGroupService>();
        services.AddSingleton<Channels.UnprocessedDeliveryService>();
        services.AddSingleton<Hours.BusinessHoursService>();
        services.AddSingleton<Agents.ApiTokenService>();
        services.AddSingleton<Agents.ChannelAccess>();
        services.AddSingleton<Agents.ChannelAccessSignal>();
        services.AddOptions<Agents.PresenceOptions>();
        services.AddSingleton<Agents.AgentStatusSignal>();
        services.AddSingleton<Agents.AgentPresence>();
        services.AddSingleton<Agents.AgentPresenceService>();
        services.AddOptions<AutoAssignOptions>();
        services.AddSingleton<AutoAssignSignal>();
        services.AddSingleton<AutoAssigner>();
        services.AddSingleton<AutoAssignService>();
        services.AddSingleton<Reports.ReportQuery>();

        // Outbound: one sender per channel type, the dispatcher picks by ChannelType. Each kind registers the services that
        // talk to its provider: sender, media source, profile source.
        services.AddOptions<OutboundOptions>();
        services.AddOptions<PublicUrlOptions>();
        // No request logging: Telegram puts the bot token in the URL path, and the default handler logs every URL.
        services.AddHttpClient(ProviderHttp.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();
        foreach (var kind in ChannelKinds.All)
        {
            kind.AddServices(services);
        }

        // Names for contacts whose webhooks carry none (Messenger, Instagram, LINE), looked up after the message is stored.
        services.AddSingleton<Contacts.ContactService>();
        services.AddSingleton<Contacts.ProfileLookupSignal>();
        services.AddSingleton<Contacts.ContactProfileService>();
        services.AddSingleton<OutboundDispatcher>();
        services.AddSingleton<SnoozeWakeService>();
        services.AddSingleton<FlowAdminService>();
        services.AddSingleton<KeepAliveEngine>();
        services.AddSingleton<KeepAliveService>();
        services.AddSingleton<Data.Sqlite.SearchIndexMerger>();
        // Inbound media: stored at once as a reference, fetched by the downloader into the content-addressed store.
        // The store TalkToMe:Storage:Kind names; S3 settings without a bucket or URL stop the start, not the first file.
        services.AddOptions<Media.MediaOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Media.MediaOptions>, Media.MediaOptionsValidation>();
        services.AddSingleton<Media.IMediaStore>(sp => sp.GetRequiredService<IOptions<Media.MediaOptions>>().Value.Kind == Media.MediaStoreKind.S3
            ? ActivatorUtilities.CreateInstance<Media.S3MediaStore>(sp)
            : ActivatorUtilities.CreateInstance<Media.LocalMediaStore>(sp));
        // The web host replaces this with links it signs (/media/public/{token}).
        services.AddSingleton<Media.IMediaLinks, Media.NoMediaLinks>();
        services.AddSingleton<Media.MediaSignal>();
        services.AddSingleton<Media.MediaDownloader>();
        return services;
    }

    /// <summary>
    /// The background workers (inbound writer, outbound dispatcher, snooze wake-up, Keep Alive, profile look-ups, SQLite's
    /// search index merges). Register them after the startup task that migrates the database: hosted services start in
    /// registration order, and stop in the reverse order after the web server, so the inbound writer stops last and
    /// stores every message it accepted.
    /// </summary>
    public static IServiceCollection AddTalkToMeWorkers(this IServiceCollection services)
    {
        services.AddHostedService(sp => sp.GetRequiredService<InboundWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<OutboundDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<SnoozeWakeService>());
        services.AddHostedService(sp => sp.GetRequiredService<KeepAliveService>());
        services.AddHostedService(sp => sp.GetRequiredService<Contacts.ContactProfileService>());
        services.AddHostedService(sp => sp.GetRequiredService<Data.Sqlite.SearchIndexMerger>());
        services.AddHostedService(sp => sp.GetRequiredService<Agents.AgentPresenceService>());
        services.AddHostedService(sp => sp.GetRequiredService<AutoAssignService>());
        services.AddHostedService(sp => sp.GetRequiredService<Media.MediaDownloader>());
        return services;
    }

    /// <summary>Builds the SQLite connection string with the options TalkToMe relies on.</summary>
    public static string NormalizeConnectionString(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            // Writers wait for each other instead of failing with SQLITE_BUSY.
            DefaultTimeout = 30,
        };
        return builder.ToString();
    }
}
