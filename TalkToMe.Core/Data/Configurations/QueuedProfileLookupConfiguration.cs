using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;

namespace TalkToMe.Core.Data.Configurations;

public class QueuedProfileLookupConfiguration : IEntityTypeConfiguration<QueuedProfileLookup>
{
    public void Configure(EntityTypeBuilder<QueuedProfileLookup> builder)
    {
        builder.ToTable("ProfileLookups");
        // One look-up per contact of a channel: a second first message while one is queued adds nothing (ON CONFLICT).
        builder.HasKey(l => new { l.ChannelId, l.ExternalId });
        builder.Property(l => l.ExternalId).HasMaxLength(320);
        builder.Property(l => l.ClaimedBy).HasMaxLength(200);
        builder.HasOne<Channel>().WithMany().HasForeignKey(l => l.ChannelId).OnDelete(DeleteBehavior.Cascade);
        // The claim takes the earliest due row.
        builder.HasIndex(l => l.DueAt);
    }
}
