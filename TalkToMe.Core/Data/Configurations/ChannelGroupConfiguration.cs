using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Channels;

namespace TalkToMe.Core.Data.Configurations;

public class ChannelGroupConfiguration : IEntityTypeConfiguration<ChannelGroup>
{
    public void Configure(EntityTypeBuilder<ChannelGroup> builder)
    {
        builder.Property(g => g.Name).HasMaxLength(100).IsRequired();
        builder.Property(g => g.Description).HasMaxLength(500);
        builder.HasMany(g => g.Channels).WithMany(c => c.Groups).UsingEntity("ChannelGroupMembers",
            l => l.HasOne(typeof(Channel)).WithMany().HasForeignKey("ChannelId").OnDelete(DeleteBehavior.Cascade),
            r => r.HasOne(typeof(ChannelGroup)).WithMany().HasForeignKey("ChannelGroupId").OnDelete(DeleteBehavior.Cascade),
            j => j.HasKey("ChannelGroupId", "ChannelId"));
        builder.Navigation(g => g.Channels).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
