using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TalkToMe.Core.Data;

namespace TalkToMe.Data.PostgreSql;

/// <summary>
/// What `dotnet ef` uses to build the context for the PostgreSQL migrations:
/// <c>dotnet ef migrations add Name --project TalkToMe.Data.PostgreSql --output-dir Migrations</c>.
/// No server is contacted: `migrations add` only reads the model and the last snapshot.
/// </summary>
public sealed class PostgreSqlDesignTimeDbContextFactory : IDesignTimeDbContextFactory<TalkToMeDbContext>
{
    public TalkToMeDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TalkToMeDbContext>();
        DatabaseSettings.PostgreSql("Host=localhost;Database=talktome_design").Configure(options);
        return new TalkToMeDbContext(options.Options);
    }
}
