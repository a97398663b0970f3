using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Channels.WhatsApp;

namespace TalkToMe.Core.Data.Configurations;

public class WhatsAppTemplateConfiguration : IEntityTypeConfiguration<WhatsAppTemplate>
{
    public void Configure(EntityTypeBuilder<WhatsAppTemplate> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(512).IsRequired();
        builder.Property(t => t.Language).HasMaxLength(20).IsRequired();
        builder.Property(t => t.Category).HasMaxLength(30).IsRequired();
        builder.Property(t => t.Body).IsRequired();
        builder.Property(t => t.Parameters).HasConversion(new JsonListConverter<string>(), new JsonListComparer<string>());
        builder.HasOne(t => t.Channel).WithMany().HasForeignKey(t => t.ChannelId).OnDelete(DeleteBehavior.Cascade);
        // Meta identifies a template by name and language within the business account.
        builder.HasIndex(t => new { t.ChannelId, t.Name, t.Language }).IsUnique();
    }
}
