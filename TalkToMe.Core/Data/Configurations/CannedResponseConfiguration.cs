using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Data.Configurations;

public class CannedResponseConfiguration : IEntityTypeConfiguration<CannedResponse>
{
    public void Configure(EntityTypeBuilder<CannedResponse> builder)
    {
        builder.Property(c => c.ShortCode).HasMaxLength(50).IsRequired();
        builder.Property(c => c.Content).HasMaxLength(4000).IsRequired();
        builder.HasIndex(c => c.ShortCode).IsUnique();
    }
}
