using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Agents;

namespace TalkToMe.Core.Data.Configurations;

public class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> builder)
    {
        builder.Property(u => u.DisplayName).HasMaxLength(200).IsRequired();
        // Existing and new users start Offline "by themselves": their first open page makes them available.
        builder.Property(u => u.StatusIsAutomatic).HasDefaultValue(true);
    }
}
