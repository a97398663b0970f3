using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TalkToMe.Core.Channels;

namespace TalkToMe.Core.Data.Configurations;

public class ChannelConfiguration : IEntityTypeConfiguration<Channel>
{
    public void Configure(EntityTypeBuilder<Channel> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(100).IsRequired();
        builder.Property(c => c.Type).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.PublicKey).HasMaxLength(64).IsRequired();
        builder.HasIndex(c => c.PublicKey).IsUnique();
        builder.Property(c => c.ApiTokenHash).HasMaxLength(64);
        builder.HasIndex(c => c.ApiTokenHash).IsUnique();
        builder.Property(c => c.SettingsJson).IsRequired();

        builder.HasOne(c => c.EntryFlow).WithMany().HasForeignKey(c => c.EntryFlowId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(c => c.ExitFlow).WithMany().HasForeignKey(c => c.ExitFlowId).OnDelete(DeleteBehavior.Restrict);

        builder.OwnsOne(c => c.KeepAlive, ka =>
        {
            ka.Property(k => k.InactivityAmount).HasColumnName("KeepAliveInactivityAmount");
            ka.Property(k => k.InactivityUnit).HasColumnName("KeepAliveInactivityUnit").HasConversion<string>().HasMaxLength(10);
            ka.Property(k => k.InactivityMessage).HasColumnName("KeepAliveInactivityMessage").HasMaxLength(1000);
            ka.Property(k => k.FinalizationAmount).HasColumnName("KeepAliveFinalizationAmount");
            ka.Property(k => k.FinalizationUnit).HasColumnName("KeepAliveFinalizationUnit").HasConversion<string>().HasMaxLength(10);
            ka.Property(k => k.FinalizationMessage).HasColumnName("KeepAliveFinalizationMessage").HasMaxLength(1000);
            ka.Property(k => k.IsEnabled).HasColumnName("KeepAliveEnabled");
        });
        builder.Navigation(c => c.KeepAlive).IsRequired();
        builder.Navigation(c => c.Groups).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}
