using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Contacts;

/// <summary>What a provider's profile API said about a customer: their display name, or why there is none.</summary>
public sealed record ProfileLookup(string? Name, string? Failure)
{
    public static ProfileLookup Found(string name) => new(name, null);

    public static ProfileLookup Failed(string reason) => new(null, reason);
}

/// <summary>
/// A provider's profile API for channels whose webhooks carry no sender name (Messenger, Instagram, LINE). The failure reason
/// must never contain the channel's token: it is logged.
/// </summary>
public interface IContactProfileSource
{
    bool Handles(ChannelType type);

    Task<ProfileLookup> LookUpAsync(ChannelSettings settings, string externalId, CancellationToken cancellationToken);
}

/// <summary>
/// Names new contacts after the webhook has answered. The message's transaction queued the look-up (a ProfileLookups row,
/// <see cref="QueuedProfileLookup"/>); this worker claims due rows in the database with a lease, asks the provider for the
/// name and renames the contact while it is still called by its raw id, then deletes the row. A failure (4xx, 5xx, timeout)
/// is logged (without tokens) and tried again after <see cref="RetryDelays"/>; after the last one the contact keeps its id.
/// <para>
/// Many nodes: the claim is one UPDATE of the earliest due row to the lease's end (PostgreSQL skips rows another node is
/// claiming; SQLite's writer holds the database), so each look-up is asked by one node; a node that dies mid-look-up leaves
/// its row due again when <see cref="ClaimLease"/> ends, and another node (or this one after a restart) asks again.
/// Wakes on <see cref="ProfileLookupSignal"/> for look-ups queued on this node and looks at the table at least every
/// <see cref="MaxIdle"/> for the others'. One look-up at a time per node.
/// </para>
/// </summary>
public sealed class ContactProfileService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units,
    IEnumerable<IContactProfileSource> sources, ContactService contacts, ProfileLookupSignal signal, TimeProvider time,
    IOptions<OutboundOptions> options, ILogger<ContactProfileService> logger) : BackgroundService
{
    /// <summary>The wait before each retry of a failed look-up: after the last one it is given up.</summary>
    public static readonly IReadOnlyList<TimeSpan> RetryDelays =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

    /// <summary>Provider calls made for one contact at most: the first and one per retry delay.</summary>
    public static int MaxAttempts => RetryDelays.Count + 1;

    /// <summary>Look-ups queued on another node (or left by one that died) are found by looking, this often at least.</summary>
    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(30);

    /// <summary>Who holds a claim: this worker instance, on this machine (for whoever reads the table).</summary>
    private readonly string _worker = $"{Environment.MachineName}/{Guid.NewGuid():N}";

    /// <summary>A claimed look-up is due again after this long: well past the provider call's timeout and the rename.</summary>
    public TimeSpan ClaimLease => options.Value.SendTimeout * 2 + TimeSpan.FromMinutes(1);

    /// <summary>Queues a look-up for the contact <paramref name="externalId"/> of the channel (the inbound path queues its own).</summary>
    public Task EnqueueAsync(int channelId, string externalId, CancellationToken cancellationToken = default) =>
        units.InTransactionAsync(unit =>
            QueuedProfileLookup.AddAsync(unit, channelId, externalId, time.GetUtcNow().UtcDateTime, cancellationToken), cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting; the first pass takes whatever a previous run (or a dead node) left due.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = MaxIdle;
            try
            {
                // This pass reads the table: a look-up queued before now is in what it reads.
                signal.TryTake();
                await LookUpDueAsync(stoppingToken);
                if (await NextDueAsync(stoppingToken) is { } next)
                {
                    var until = next - time.GetUtcNow().UtcDateTime;
                    sleep = until <= TimeSpan.Zero ? TimeSpan.Zero : until < MaxIdle ? until : MaxIdle;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The type only: a provider exception's message may quote a URL with a token in it.
                logger.LogError("Consulta de perfis falhou ({Error}); nova tentativa em instantes.", ex.GetType().Name);
                sleep = TimeSpan.FromSeconds(5);
            }

            await signal.SleepAsync(sleep, time, stoppingToken);
        }
    }

    /// <summary>Claims and does due look-ups, one at a time, until none is due; returns how many this worker did.</summary>
    public async Task<int> LookUpDueAsync(CancellationToken cancellationToken = default)
    {
        var done = 0;
        while (await ClaimAsync(cancellationToken) is { } claim)
        {
            await LookUpClaimedAsync(claim, cancellationToken);
            done++;
        }

        return done;
    }

    /// <summary>The earliest due time in the table (a claimed row's is its lease's end), for the worker's sleep.</summary>
    public async Task<DateTime?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.ProfileLookups.OrderBy(l => l.DueAt).Select(l => (DateTime?)l.DueAt).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the earliest due look-up: its due time becomes the lease's end and the claim names this worker, in one UPDATE
    /// that returns the row. On PostgreSQL a row another node is claiming right now is skipped, not waited for; one that
    /// node has claimed is no longer due when this statement looks at it again.
    /// </summary>
    private async Task<Claim?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var lease = now + ClaimLease;
        var skipLocked = unit.Db.Database.IsNpgsql() ? "FOR UPDATE SKIP LOCKED" : "";
        await using var command = PreparedSql.Prepare(unit.Connection, unit.Transaction, $"""
            UPDATE "ProfileLookups" SET "DueAt" = $lease, "ClaimedBy" = $worker
            WHERE ("ChannelId", "ExternalId") IN (
                SELECT "ChannelId", "ExternalId" FROM "ProfileLookups" WHERE "DueAt" <= $now ORDER BY "DueAt" LIMIT 1 {skipLocked})
            RETURNING "ChannelId", "ExternalId", "Attempts"
            """);
        Claim? claim = null;
        await using (var reader = await PreparedSql.Bind(command, lease.Ticks, _worker, now.Ticks).ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                claim = new Claim(Convert.ToInt32(reader.GetValue(0)), reader.GetString(1), Convert.ToInt32(reader.GetValue(2)), lease);
            }
        }

        await unit.CommitAsync(cancellationToken);
        return claim;
    }

    private async Task LookUpClaimedAsync(Claim claim, CancellationToken cancellationToken)
    {
        string? failure;
        try
        {
            failure = await LookUpAsync(claim.ChannelId, claim.ExternalId, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the row stays claimed until its lease ends, then this node (restarted) or another asks again.
            throw;
        }
        catch (Exception ex)
        {
            // The exception's message may quote a URL; its type is enough to investigate and carries no token.
            failure = ex.GetType().Name;
        }

        var attempts = claim.Attempts + (failure is null ? 0 : 1);
        var retryAt = failure is not null && attempts < MaxAttempts ? time.GetUtcNow().UtcDateTime + RetryDelays[attempts - 1] : (DateTime?)null;
        if (failure is not null)
        {
            if (retryAt is null)
            {
                logger.LogWarning("Perfil do contato {ExternalId} no canal {ChannelId} não obtido após {Attempts} tentativas; o contato fica com o id como nome: {Reason}",
                    claim.ExternalId, claim.ChannelId, attempts, failure);
            }
            else
            {
                logger.LogWarning("Perfil do contato {ExternalId} no canal {ChannelId} não obtido (tentativa {Attempts} de {MaxAttempts}; nova tentativa às {RetryAt:u}): {Reason}",
                    claim.ExternalId, claim.ChannelId, attempts, MaxAttempts, retryAt, failure);
            }
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        // Only while this worker still holds the claim: after the lease ended another worker owns the row and its outcome.
        var mine = unit.Db.ProfileLookups.Where(l => l.ChannelId == claim.ChannelId && l.ExternalId == claim.ExternalId
            && l.ClaimedBy == _worker && l.DueAt == claim.Lease);
        if (retryAt is { } due)
        {
            await mine.ExecuteUpdateAsync(s => s.SetProperty(l => l.DueAt, due).SetProperty(l => l.Attempts, attempts)
                .SetProperty(l => l.ClaimedBy, (string?)null), cancellationToken);
        }
        else
        {
            await mine.ExecuteDeleteAsync(cancellationToken);
        }

        await unit.CommitAsync(cancellationToken);
    }

    /// <summary>Asks the provider and renames the contact; returns why not (never containing a token), or null when done or
    /// nothing is left to ask (already named by an agent or a later message, channel deleted, no profile API).</summary>
    private async Task<string?> LookUpAsync(int channelId, string externalId, CancellationToken cancellationToken)
    {
        Channel? channel;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var stillRaw = await db.ContactIdentities.AsNoTracking()
                .AnyAsync(i => i.ChannelId == channelId && i.ExternalId == externalId && i.Contact.Name == externalId, cancellationToken);
            channel = stillRaw ? await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken) : null;
        }

        if (channel is null || channel.IsDeleted || sources.FirstOrDefault(s => s.Handles(channel.Type)) is not { } source)
        {
            return null;
        }

        var result = await source.LookUpAsync(channel.GetSettings(), externalId, cancellationToken);
        if (result.Name is null)
        {
            return $"{channel.Type}: {result.Failure}";
        }

        await contacts.RenameIfStillExternalIdAsync(channelId, externalId, result.Name, cancellationToken);
        return null;
    }

    private sealed record Claim(int ChannelId, string ExternalId, int Attempts, DateTime Lease);
}
