using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;

namespace TalkToMe.Core.Data.Configurations;

public class ChannelGroupConfiguration : IEntityTypeConfiguration<ChannelGroup>
{
    public void Configure(EntityTypeBuilder<ChannelGroup> builder)
    {
        builder.Property(g => g.Name).HasMaxLength(100).IsRequired();
        builder.Property(g => g.Description).HasMaxLength(500);
        builder.Property(g => g.AssignMode).HasDefaultValue(Conversations.GroupAssignMode.ChannelDecides);
        builder.HasMany(g => g.Channels).WithMany(c => c.Groups).UsingEntity("ChannelGroupMembers",
            l => l.HasOne(typeof(Channel)).WithMany().HasForeignKey("ChannelId").OnDelete(DeleteBehavior.Cascade),
            r => r.HasOne(typeof(ChannelGroup)).WithMany().HasForeignKey("ChannelGroupId").OnDelete(DeleteBehavior.Cascade),
            j => j.HasKey("ChannelGroupId", "ChannelId"));
        builder.Navigation(g => g.Channels).UsePropertyAccessMode(PropertyAccessMode.Field);
        // The team: "which groups is this agent in" is asked on every inbox read of a restricted agent (ChannelAccess),
        // hence the key starting with the user.
        builder.HasMany(g => g.Agents).WithMany().UsingEntity("ChannelGroupAgents",
            l => l.HasOne(typeof(AppUser)).WithMany().HasForeignKey("UserId").OnDelete(DeleteBehavior.Cascade),
            r => r.HasOne(typeof(ChannelGroup)).WithMany().HasForeignKey("ChannelGroupId").OnDelete(DeleteBehavior.Cascade),
            j =>
            {
                j.HasKey("UserId", "ChannelGroupId");
                j.HasIndex("ChannelGroupId");
            });
        builder.Navigation(g => g.Agents).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
