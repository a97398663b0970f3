using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;

namespace TalkToMe.Core.Data.Configurations;

public class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> builder)
    {
        builder.Property(c => c.LastMessagePreview).HasMaxLength(Conversation.PreviewLength);
        builder.Property(c => c.AttributesJson).IsRequired();
        builder.Property(c => c.Subject).HasMaxLength(Conversation.SubjectLength);
        builder.Property(c => c.CsatComment).HasMaxLength(Conversation.CsatCommentLength);

        builder.HasOne(c => c.Channel).WithMany().HasForeignKey(c => c.ChannelId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(c => c.Contact).WithMany().HasForeignKey(c => c.ContactId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(c => c.ContactIdentity).WithMany().HasForeignKey(c => c.ContactIdentityId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(c => c.AssigneeId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Flow>().WithMany().HasForeignKey(c => c.FlowId).OnDelete(DeleteBehavior.SetNull);

        // The inbox: keyset-paged per status tab, newest activity first. On PostgreSQL it also carries the channel and the
        // contact, so that a search can pick its page's conversations from the index alone (InboxQuery); SQLite has no
        // included columns and ignores them.
        builder.HasIndex(c => new { c.Status, c.LastActivityAt, c.Id })
            .IsDescending(false, true, true)
            .IncludeProperties(c => new { c.ChannelId, c.ContactId })
            .HasDatabaseName("IX_Conversations_Inbox");
        // "Todas" across statuses and the per-channel views use the same ordering.
        builder.HasIndex(c => new { c.LastActivityAt, c.Id })
            .IsDescending(true, true)
            .HasDatabaseName("IX_Conversations_Activity");
        builder.HasIndex(c => new { c.ChannelId, c.Status, c.LastActivityAt })
            .HasDatabaseName("IX_Conversations_Channel");
        builder.HasIndex(c => new { c.AssigneeId, c.Status, c.LastActivityAt })
            .HasDatabaseName("IX_Conversations_Assignee");
        builder.HasIndex(c => c.ContactId);
        // Keep Alive reads only the conversations that are due: a partial index on the due time.
        builder.HasIndex(c => c.KeepAliveDueAt)
            .HasFilter("\"KeepAliveDueAt\" IS NOT NULL")
            .HasDatabaseName("IX_Conversations_KeepAliveDue");
        builder.HasIndex(c => c.SnoozedUntil)
            .HasFilter("\"SnoozedUntil\" IS NOT NULL")
            .HasDatabaseName("IX_Conversations_SnoozedUntil");

        builder.HasMany(c => c.Labels).WithMany().UsingEntity("ConversationLabels",
            l => l.HasOne(typeof(Label)).WithMany().HasForeignKey("LabelId").OnDelete(DeleteBehavior.Cascade),
            r => r.HasOne(typeof(Conversation)).WithMany().HasForeignKey("ConversationId").OnDelete(DeleteBehavior.Cascade),
            j => j.HasKey("ConversationId", "LabelId"));
        builder.Navigation(c => c.Labels).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
