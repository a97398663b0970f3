using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Reports;

namespace TalkToMe.Core.Data.Configurations;

public class ReportCountConfiguration : IEntityTypeConfiguration<ReportCount>
{
    public void Configure(EntityTypeBuilder<ReportCount> builder)
    {
        // Day first: every report reads a range of days, and the key doubles as the upsert's conflict target.
        builder.HasKey(r => new { r.Day, r.ChannelId, r.AgentId, r.Metric, r.Bucket });
        builder.Property(r => r.AgentId).HasMaxLength(450);
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
