using Microsoft.EntityFrameworkCore;

namespace TalkToMe.Core.Data.PostgreSql;

/// <summary>
/// PostgreSQL lets writers run side by side and serialises them per row, across every node: no turn is taken in memory.
/// A writer that reads a row and then writes based on what it read (an agent's command, the dispatcher recording a send)
/// locks the row first, so two such writers on one conversation take turns in the database.
/// </summary>
public sealed class PostgreSqlWriteGate : WriteGate
{
    private static readonly IDisposable NoTurn = new Nothing();

    public override ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken) => ValueTask.FromResult(NoTurn);

    internal override Task LockConversationAsync(TalkToMeDbContext db, int id, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync($"""SELECT 1 FROM "Conversations" WHERE "Id" = {id} FOR UPDATE""", cancellationToken);

    internal override Task LockMessageAsync(TalkToMeDbContext db, long id, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync($"""SELECT 1 FROM "Messages" WHERE "Id" = {id} FOR UPDATE""", cancellationToken);

    internal override Task LockMessagesAsync(TalkToMeDbContext db, long[] ids, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"""SELECT 1 FROM "Messages" WHERE "Id" = ANY({ids}) ORDER BY "Id" FOR UPDATE""", cancellationToken);

    /// <summary>The admin writers' lock (a flow, a channel, a group): rare enough that naming the table from the model costs nothing.</summary>
    internal override Task LockAsync<T>(TalkToMeDbContext db, object id, CancellationToken cancellationToken)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not stored.");
        var key = entity.FindPrimaryKey()!.Properties.Single().GetColumnName();
        // Identifiers come from the model, never from input; the key value is a parameter.
        var sql = $$"""SELECT 1 FROM "{{entity.GetTableName()}}" WHERE "{{key}}" = {0} FOR UPDATE""";
        return db.Database.ExecuteSqlRawAsync(sql, [id], cancellationToken);
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
