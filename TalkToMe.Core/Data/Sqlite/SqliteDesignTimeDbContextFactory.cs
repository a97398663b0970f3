using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace TalkToMe.Core.Data.Sqlite;

/// <summary>
/// What `dotnet ef` uses to build the context, so scaffolding a SQLite migration needs neither the web host nor its
/// configuration. The file is never opened: `migrations add` only reads the model and the last snapshot.
/// </summary>
public sealed class SqliteDesignTimeDbContextFactory : IDesignTimeDbContextFactory<TalkToMeDbContext>
{
    public TalkToMeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TalkToMeDbContext>()
            .UseSqlite(DependencyInjection.NormalizeConnectionString("Data Source=talktome-design.db"))
            .Options);
}
