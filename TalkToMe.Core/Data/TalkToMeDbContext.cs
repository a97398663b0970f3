using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Data;

public class TalkToMeDbContext(DbContextOptions<TalkToMeDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<Channel> Channels => Set<Channel>();
    public DbSet<ChannelGroup> ChannelGroups => Set<ChannelGroup>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<ContactIdentity> ContactIdentities => Set<ContactIdentity>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<Media.Attachment> Attachments => Set<Media.Attachment>();
    public DbSet<DeliveredPart> DeliveredParts => Set<DeliveredPart>();
    public DbSet<Label> Labels => Set<Label>();
    public DbSet<CannedResponse> CannedResponses => Set<CannedResponse>();
    public DbSet<Macro> Macros => Set<Macro>();
    public DbSet<Flow> Flows => Set<Flow>();
    public DbSet<FlowStep> FlowSteps => Set<FlowStep>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Channels.WhatsApp.WhatsAppTemplate> WhatsAppTemplates => Set<Channels.WhatsApp.WhatsAppTemplate>();
    public DbSet<UnprocessedDelivery> UnprocessedDeliveries => Set<UnprocessedDelivery>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<QueuedProfileLookup> ProfileLookups => Set<QueuedProfileLookup>();
    public DbSet<ChannelAssignment> ChannelAssignments => Set<ChannelAssignment>();
    public DbSet<Reports.ReportCount> ReportCounts => Set<Reports.ReportCount>();
    public DbSet<Reports.ConversationReportState> ConversationReportStates => Set<Reports.ConversationReportState>();
    public DbSet<Reports.ReportEvent> ReportEvents => Set<Reports.ReportEvent>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(TalkToMeDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Times are UTC ticks in INTEGER columns: they sort and compare in SQL (SQLite has no date type),
        // and the inbox's keyset index stays small.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcTicksConverter>();
    }
}
