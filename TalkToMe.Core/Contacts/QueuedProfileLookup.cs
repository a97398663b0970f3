using TalkToMe.Core.Data;

namespace TalkToMe.Core.Contacts;

/// <summary>
/// A contact waiting for its name from the provider's profile API (table ProfileLookups, one row per channel and external
/// id). Written in the transaction that stores the customer's first message, so a look-up is never lost between the
/// commit and the worker; <see cref="ContactProfileService"/> claims it with a lease (<see cref="DueAt"/> moves to the
/// lease's end and <see cref="ClaimedBy"/> names the claimant), so two nodes never ask twice and a node that dies
/// mid-claim leaves it due again when the lease ends. The row is deleted once the contact is named or the look-up is given up.
/// </summary>
public class QueuedProfileLookup
{
    private QueuedProfileLookup() { }

    public int ChannelId { get; private set; }
    public string ExternalId { get; private set; } = "";

    /// <summary>When a worker may take it: now for a new one, after the backoff for a retry, the lease's end while claimed.</summary>
    public DateTime DueAt { get; private set; }

    /// <summary>Provider calls that failed so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>The worker that holds the claim (null while waiting): only it may finish the row.</summary>
    public string? ClaimedBy { get; private set; }

    /// <summary>
    /// Queues a look-up inside <paramref name="unit"/> (both engines: the row is left alone when one is already queued) and
    /// wakes the worker after the commit. For writers outside the inbound hot path, which runs <see cref="InsertSql"/> itself.
    /// </summary>
    public static async Task AddAsync(UnitOfWork unit, int channelId, string externalId, DateTime dueAt, CancellationToken cancellationToken)
    {
        await using var command = PreparedSql.Prepare(unit.Connection, unit.Transaction, InsertSql);
        await PreparedSql.Bind(command, channelId, externalId, dueAt.Ticks).ExecuteNonQueryAsync(cancellationToken);
        unit.WakeProfileLookups();
    }

    /// <summary>The insert, in <see cref="PreparedSql"/>'s <c>$name</c> form: channel, external id, due time (ticks).</summary>
    internal const string InsertSql = """
        INSERT INTO "ProfileLookups" ("ChannelId", "ExternalId", "DueAt", "Attempts") VALUES ($channel, $contact, $due, 0)
        ON CONFLICT ("ChannelId", "ExternalId") DO NOTHING
        """;
}
