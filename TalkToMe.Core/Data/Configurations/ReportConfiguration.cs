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
    }
}
