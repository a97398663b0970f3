using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Data.Configurations;

public class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> builder)
    {
        builder.Property(m => m.Content).IsRequired();
        builder.Property(m => m.ExternalId).HasMaxLength(200);
        builder.Property(m => m.SenderId).HasMaxLength(450);
        builder.Property(m => m.SenderName).HasMaxLength(200);
        builder.Property(m => m.FailureReason).HasMaxLength(1000);
        // Null for every message that is not a template; JSON otherwise (name, language, parameters).
        builder.Property(m => m.Template).HasConversion(
            v => JsonSerializer.Serialize(v, JsonDefaults.Options),
            v => JsonSerializer.Deserialize<MessageTemplate>(v, JsonDefaults.Options));

        // Null for every message that is not an activity line (but for the mark of an "Avaliação" question on the outgoing
        // text that asks it), and for activity rows stored before the data existed.
        builder.Property(m => m.ActivityData).HasConversion(
            v => JsonSerializer.Serialize(v, JsonDefaults.Compact),
            v => JsonSerializer.Deserialize<ActivityData>(v, JsonDefaults.Compact));

        builder.HasOne(m => m.Conversation).WithMany().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(m => new { m.ConversationId, m.Id });
        // Providers retry deliveries: one provider id is stored once per channel.
        builder.HasIndex(m => new { m.ChannelId, m.Direction, m.ExternalId })
            .IsUnique()
            .HasFilter("\"ExternalId\" IS NOT NULL")
            .HasDatabaseName("IX_Messages_ExternalId");
        // The outbound dispatcher reads only pending sends.
        builder.HasIndex(m => m.NextAttemptAt)
            .HasFilter("\"DeliveryStatus\" = 1")
            .HasDatabaseName("IX_Messages_PendingDelivery");
        // A conversation's messages go out in order: only its oldest pending one may be sent, found through this small index.
        // (Named: an unnamed index on the same columns would be the one above.)
        builder.HasIndex(m => new { m.ConversationId, m.Id }, "IX_Messages_PendingByConversation")
            .HasFilter("\"DeliveryStatus\" = 1");
    }
}
