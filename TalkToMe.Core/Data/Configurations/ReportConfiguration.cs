using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Reports;

namespace TalkToMe.Core.Data.Configurations;

public class ReportCountConfiguration : IEntityTypeConfiguration<ReportCount>
{
    public void Configure(EntityTypeBuilder<ReportCount> builder)
    {
        // Grain then day: a report over every channel or agent reads one grain's range of days; the key doubles as the
        // upsert's conflict target.
        builder.HasKey(r => new { r.Grain, r.Day, r.ChannelId, r.AgentId, r.Metric, r.Bucket });
        builder.Property(r => r.AgentId).HasMaxLength(450);
        // Reports read through indexes that hold Count and Sum too: on SQLite the key is a separate index from the rows, and
        // looking each row up from it (the grains' rows interleaved day by day) cost more than the reads themselves
        // (measured 2–2.5× at 1,000,000 conversations). The price is that each upsert rewrites these entries as well.
        // Every channel or agent at once: a range of days.
        builder.HasIndex(r => new { r.Grain, r.Day, r.ChannelId, r.AgentId, r.Metric, r.Bucket, r.Count, r.Sum })
            .HasDatabaseName("IX_ReportCounts_Days");
        // One channel (or a group's few) and one agent read their own days without stepping over the others'.
        builder.HasIndex(r => new { r.Grain, r.ChannelId, r.Day, r.AgentId, r.Metric, r.Bucket, r.Count, r.Sum })
            .HasDatabaseName("IX_ReportCounts_ChannelDays");
        builder.HasIndex(r => new { r.Grain, r.AgentId, r.Day, r.ChannelId, r.Metric, r.Bucket, r.Count, r.Sum })
            .HasDatabaseName("IX_ReportCounts_AgentDays");
    }
}

public class ConversationReportStateConfiguration : IEntityTypeConfiguration<ConversationReportState>
{
    public void Configure(EntityTypeBuilder<ConversationReportState> builder)
    {
        builder.HasKey(s => s.ConversationId);
        builder.Property(s => s.ConversationId).ValueGeneratedNever();
        builder.Property(s => s.LastAgentId).HasMaxLength(450);
        // False for the states an installation kept before events were (ReportEvent); every state written since says true.
        builder.Property(s => s.EventsKept).HasDefaultValue(false);
    }
}

public class ReportEventConfiguration : IEntityTypeConfiguration<ReportEvent>
{
    public void Configure(EntityTypeBuilder<ReportEvent> builder)
    {
        builder.HasKey(e => e.Id);
        builder.Property(e => e.AgentId).HasMaxLength(450);
        builder.HasOne<TalkToMe.Core.Conversations.Conversation>().WithMany().HasForeignKey(e => e.ConversationId).OnDelete(DeleteBehavior.Cascade);
        // A label's report reads its conversations' events of a range of days: by conversation, from an index that holds the
        // whole event (as the cells' indexes do, so SQLite does not look each row up in the table).
        builder.HasIndex(e => new { e.ConversationId, e.Day, e.ChannelId, e.AgentId, e.Metric, e.Bucket, e.Sum })
            .HasDatabaseName("IX_ReportEvents_ConversationDays");
    }
}
