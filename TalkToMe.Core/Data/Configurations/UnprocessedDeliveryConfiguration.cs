using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Channels;

namespace TalkToMe.Core.Data.Configurations;

public class UnprocessedDeliveryConfiguration : IEntityTypeConfiguration<UnprocessedDelivery>
{
    public void Configure(EntityTypeBuilder<UnprocessedDelivery> builder)
    {
        builder.Property(d => d.Reason).HasMaxLength(UnprocessedDelivery.MaxReasonChars).IsRequired();
        builder.Property(d => d.Payload).HasMaxLength(UnprocessedDelivery.MaxPayloadChars).IsRequired();
        builder.HasOne<Channel>().WithMany().HasForeignKey(d => d.ChannelId).OnDelete(DeleteBehavior.Cascade);
        // The channel page lists a channel's newest first.
        builder.HasIndex(d => new { d.ChannelId, d.Id });
    }
}
