using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Data.Configurations;

public class ChannelAssignmentConfiguration : IEntityTypeConfiguration<ChannelAssignment>
{
    public void Configure(EntityTypeBuilder<ChannelAssignment> builder)
    {
        builder.ToTable("ChannelAssignments");
        builder.HasKey(a => a.ChannelId);
        builder.Property(a => a.ChannelId).ValueGeneratedNever();
        builder.Property(a => a.ChannelMode).HasDefaultValue(AutoAssignMode.Off);
        builder.HasOne<Channel>().WithOne().HasForeignKey<ChannelAssignment>(a => a.ChannelId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(a => a.LastAssigneeId).OnDelete(DeleteBehavior.SetNull);
    }
}
