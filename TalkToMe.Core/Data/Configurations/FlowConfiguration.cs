using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Flows;

namespace TalkToMe.Core.Data.Configurations;

public class FlowConfiguration : IEntityTypeConfiguration<Flow>
{
    public void Configure(EntityTypeBuilder<Flow> builder)
    {
        builder.Property(f => f.Name).HasMaxLength(100).IsRequired();
        builder.HasMany(f => f.Steps).WithOne().HasForeignKey(s => s.FlowId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(f => f.Steps).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
