using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace TalkToMe.Core.Data;

/// <summary>
/// PostgreSQL: a read-only transaction in which every statement is planned for its own values. Npgsql prepares a
/// statement it has run a few times, and PostgreSQL may then run it with a generic plan, one that cannot see how many
/// rows a value matches. For a search that decides everything: a generic plan of "count the messages with this word,
/// up to 2,000" reads the word's whole GIN bitmap (199,848 rows for "pedido" at 1,000,000 messages, 65 ms), where the
/// plan for the value stops a sequential scan at 2,000 (5 ms). Reads only; SQLite has no plan cache to steer.
/// </summary>
public static class CustomPlans
{
    public static async Task<IDbContextTransaction?> BeginAsync(DatabaseFacade database, CancellationToken cancellationToken)
    {
        if (!database.IsNpgsql())
        {
            return null;
        }

        var transaction = await database.BeginTransactionAsync(cancellationToken);
        await database.ExecuteSqlRawAsync("SET TRANSACTION READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan", cancellationToken);
        return transaction;
    }
}
