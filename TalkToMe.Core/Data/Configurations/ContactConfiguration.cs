using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Contacts;

namespace TalkToMe.Core.Data.Configurations;

public class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(200).IsRequired();
        builder.Property(c => c.Email).HasMaxLength(320);
        builder.Property(c => c.Phone).HasMaxLength(40);
        builder.Property(c => c.AttributesJson).IsRequired();
        builder.HasIndex(c => c.Name);
        builder.HasMany(c => c.Identities).WithOne(i => i.Contact).HasForeignKey(i => i.ContactId)
            .OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(c => c.Identities).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
