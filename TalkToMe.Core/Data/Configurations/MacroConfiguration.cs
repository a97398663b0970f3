using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Data.Configurations;

public class MacroConfiguration : IEntityTypeConfiguration<Macro>
{
    public void Configure(EntityTypeBuilder<Macro> builder)
    {
        builder.Property(m => m.Name).HasMaxLength(100).IsRequired();
        builder.Property(m => m.Actions)
            .HasColumnName("ActionsJson")
            .HasConversion(new JsonListConverter<MacroAction>(), new JsonListComparer<MacroAction>())
            .IsRequired();
    }
}
