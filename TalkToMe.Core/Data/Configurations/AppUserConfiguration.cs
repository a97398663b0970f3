using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Agents;

namespace TalkToMe.Core.Data.Configurations;

public class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> builder)
    {
        builder.Property(u => u.DisplayName).HasMaxLength(200).IsRequired();
        // Existing and new users start Offline, not by choice: their first open page makes them available. The defaults are
        // the model's too, so a database built from the model and one migrated from before this column agree.
        builder.Property(u => u.Status).HasDefaultValue(AgentStatus.Offline);
        builder.Property(u => u.StatusChosen).HasDefaultValue(false);
        builder.Property(u => u.RestrictedToGroups).HasDefaultValue(false);
    }
}
