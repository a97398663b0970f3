using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Data.Configurations;

public class DeliveredPartConfiguration : IEntityTypeConfiguration<DeliveredPart>
{
    public void Configure(EntityTypeBuilder<DeliveredPart> builder)
    {
        // The dispatcher reads a message's parts by its id: the key is the index.
        builder.HasKey(p => new { p.MessageId, p.Part });
        builder.Property(p => p.ExternalId).HasMaxLength(200);
        builder.HasOne<Message>().WithMany().HasForeignKey(p => p.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
