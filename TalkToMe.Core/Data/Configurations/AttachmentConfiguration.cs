using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Data.Configurations;

public class AttachmentConfiguration : IEntityTypeConfiguration<Attachment>
{
    public void Configure(EntityTypeBuilder<Attachment> builder)
    {
        builder.Property(a => a.FileName).HasMaxLength(255);
        builder.Property(a => a.ContentType).HasMaxLength(150);
        builder.Property(a => a.Sha256).HasMaxLength(64);
        builder.Property(a => a.Source).HasMaxLength(2000);
        builder.Property(a => a.FailureReason).HasMaxLength(500);
        builder.Property(a => a.Details).HasConversion(
            v => JsonSerializer.Serialize(v, JsonDefaults.Compact),
            v => JsonSerializer.Deserialize<MediaDetails>(v, JsonDefaults.Compact));
        builder.HasOne(a => a.Message).WithMany().HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);
        // The thread reads a page of messages' attachments by message.
        builder.HasIndex(a => a.MessageId);
        // The downloader claims the earliest due pending attachment.
        builder.HasIndex(a => a.NextAttemptAt).HasFilter("\"State\" = 0").HasDatabaseName("IX_Attachments_Due");
    }
}
