using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;

namespace TalkToMe.Core.Data.Configurations;

public class ContactIdentityConfiguration : IEntityTypeConfiguration<ContactIdentity>
{
    public void Configure(EntityTypeBuilder<ContactIdentity> builder)
    {
        builder.Property(i => i.ExternalId).HasMaxLength(320).IsRequired();
        builder.HasIndex(i => new { i.ChannelId, i.ExternalId }).IsUnique();
        builder.HasOne<Channel>().WithMany().HasForeignKey(i => i.ChannelId).OnDelete(DeleteBehavior.Restrict);
    }
}
