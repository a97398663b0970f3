using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Flows;

namespace TalkToMe.Core.Data.Configurations;

public class FlowStepConfiguration : IEntityTypeConfiguration<FlowStep>
{
    public void Configure(EntityTypeBuilder<FlowStep> builder)
    {
        builder.Property(s => s.Type).HasConversion<string>().HasMaxLength(20);
        builder.Property(s => s.Text).HasMaxLength(4000).IsRequired();
        builder.Property(s => s.AnswerKey).HasMaxLength(50);
        builder.Property(s => s.TransferAgentId).HasMaxLength(450);
        builder.Property(s => s.Options)
            .HasColumnName("OptionsJson")
            .HasConversion(new JsonListConverter<MenuOption>(), new JsonListComparer<MenuOption>())
            .IsRequired();
        builder.HasOne<ChannelGroup>().WithMany().HasForeignKey(s => s.TransferGroupId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(s => new { s.FlowId, s.Position });
    }
}
