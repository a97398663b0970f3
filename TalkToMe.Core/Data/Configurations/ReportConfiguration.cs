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
        // One channel (or a group's few) and one agent read their own days without stepping over the others'.
        builder.HasIndex(r => new { r.Grain, r.ChannelId, r.Day });
        builder.HasIndex(r => new { r.Grain, r.AgentId, r.Day });
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
