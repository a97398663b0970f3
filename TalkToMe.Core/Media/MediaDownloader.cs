using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Media;

/// <summary>Wakes <see cref="MediaDownloader"/> when a message with media to fetch was stored, or a failed one is tried again.</summary>
public sealed class MediaSignal : WakeSignal;

/// <summary>
/// Fetches inbound media after the webhook has answered (issue 14): the message is in the thread at once with a placeholder,
/// and fills in when this worker has the bytes in the <see cref="IMediaStore"/>. A failure (timeout, 5xx) is tried again
/// after <see cref="RetryDelays"/>; after the last, or at once for a permanent one (too large, gone), the attachment is
/// <see cref="MediaState.Failed"/> and the thread offers "Tentar novamente". Nothing here blocks the conversation.
/// <para>
/// Many nodes: as for profile look-ups, one UPDATE claims the earliest due attachment by moving its due time to the claim's
/// lease end (PostgreSQL skips a row another node is claiming), so one node fetches each file; a node that dies mid-download
/// leaves it due again when the lease ends. The store is content-addressed, so even a file fetched twice is stored once.
/// </para>
/// </summary>
public sealed class MediaDownloader(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units,
    IEnumerable<IMediaSource> sources, IMediaStore store, IHttpClientFactory clients, MediaSignal signal, TimeProvider time,
    IOptions<MediaOptions> options, ILogger<MediaDownloader> logger) : BackgroundService
{
    /// <summary>Each retry's wait, in multiples of <see cref="MediaOptions.RetryBaseDelay"/> (10 s, 1 min, 5 min, 30 min by default):
    /// after the last one the attachment shows as failed.</summary>
    private static readonly int[] RetryFactors = [1, 6, 30, 180];

    public static int MaxAttempts => RetryFactors.Length + 1;

    public static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(30);

    private TimeSpan ClaimLease => options.Value.DownloadTimeout * 2 + TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        // A download cut short by a crash left a partial file under tmp/; nothing will finish it.
        store.RemoveAbandoned(ClaimLease);
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = MaxIdle;
            try
            {
                signal.TryTake();
                await DownloadDueAsync(stoppingToken);
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
                // The type only: a provider's exception may quote a URL that carries a token.
                logger.LogError("Download de mídia falhou ({Error}); nova tentativa em instantes.", ex.GetType().Name);
                sleep = TimeSpan.FromSeconds(5);
            }

            await signal.SleepAsync(sleep, time, stoppingToken);
        }
    }

    /// <summary>Claims and fetches due attachments, one at a time, until none is due; returns how many it tried.</summary>
    public async Task<int> DownloadDueAsync(CancellationToken cancellationToken = default)
    {
        var done = 0;
        while (await ClaimAsync(cancellationToken) is { } claim)
        {
            await DownloadClaimedAsync(claim, cancellationToken);
            done++;
        }

        return done;
    }

    public async Task<DateTime?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Attachments.Where(a => a.State == MediaState.Pending).OrderBy(a => a.NextAttemptAt)
            .Select(a => a.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>"Tentar novamente" on a failed attachment the user may see: due now, with its attempts counted afresh.</summary>
    public async Task<bool> RetryAsync(long attachmentId, Agents.ChannelScope scope, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var retried = await units.InTransactionAsync(async unit =>
        {
            var attachment = await unit.Db.Attachments.AsNoTracking().Where(a => a.Id == attachmentId && a.State == MediaState.Failed)
                .Select(a => new { a.ConversationId, a.ChannelId, a.MessageId, a.Source }).FirstOrDefaultAsync(cancellationToken);
            if (attachment is null || attachment.Source is null || !scope.Allows(attachment.ChannelId))
            {
                return false;
            }

            await unit.Db.Attachments.Where(a => a.Id == attachmentId).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.State, MediaState.Pending).SetProperty(a => a.Attempts, 0)
                .SetProperty(a => a.NextAttemptAt, now).SetProperty(a => a.FailureReason, (string?)null), cancellationToken);
            unit.Publish(new MessageUpdated(attachment.ConversationId, attachment.ChannelId, attachment.MessageId));
            unit.WakeMedia();
            return true;
        }, cancellationToken);
        return retried;
    }

    private async Task<Claim?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var lease = now + ClaimLease;
        var skipLocked = unit.Db.Database.IsNpgsql() ? "FOR UPDATE SKIP LOCKED" : "";
        await using var command = PreparedSql.Prepare(unit.Connection, unit.Transaction, $"""
            UPDATE "Attachments" SET "NextAttemptAt" = $lease, "Attempts" = "Attempts" + 1
            WHERE "Id" IN (
                SELECT "Id" FROM "Attachments" WHERE "State" = 0 AND "NextAttemptAt" <= $now ORDER BY "NextAttemptAt" LIMIT 1 {skipLocked})
            RETURNING "Id", "MessageId", "ConversationId", "ChannelId", "Source", "ContentType", "Attempts"
            """);
        Claim? claim = null;
        await using (var reader = await PreparedSql.Bind(command, lease.Ticks, now.Ticks).ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                claim = new Claim(Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)), Convert.ToInt32(reader.GetValue(2)),
                    Convert.ToInt32(reader.GetValue(3)), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), Convert.ToInt32(reader.GetValue(6)), lease);
            }
        }

        await unit.CommitAsync(cancellationToken);
        return claim;
    }

    private async Task DownloadClaimedAsync(Claim claim, CancellationToken cancellationToken)
    {
        StoredFile? stored = null;
        string? failure;
        var permanent = false;
        try
        {
            (stored, failure, permanent) = await FetchAsync(claim, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (MediaTooLargeException ex)
        {
            (failure, permanent) = (ex.Message, true);
        }
        catch (Exception ex)
        {
            failure = ex is OperationCanceledException ? "O provedor não respondeu a tempo." : $"Falha ao baixar ({ex.GetType().Name}).";
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var unit = await units.BeginAsync(cancellationToken);
        // Only while this worker still holds the claim: after the lease ended another worker owns the row.
        var mine = unit.Db.Attachments.Where(a => a.Id == claim.Id && a.State == MediaState.Pending && a.NextAttemptAt == claim.Lease);
        int changed;
        var finished = true;
        if (stored is not null)
        {
            var type = MediaSniffer.Decide(claim.ContentType, stored.Head);
            changed = await mine.ExecuteUpdateAsync(s => s.SetProperty(a => a.State, MediaState.Ready)
                .SetProperty(a => a.Sha256, stored.Sha256).SetProperty(a => a.Size, stored.Size).SetProperty(a => a.ContentType, type)
                .SetProperty(a => a.NextAttemptAt, (DateTime?)null).SetProperty(a => a.FailureReason, (string?)null), cancellationToken);
        }
        else if (!permanent && claim.Attempts < MaxAttempts)
        {
            var retryAt = now + options.Value.RetryBaseDelay * RetryFactors[claim.Attempts - 1];
            logger.LogWarning("Mídia {AttachmentId} do canal {ChannelId} não baixada (tentativa {Attempts} de {MaxAttempts}; nova tentativa às {RetryAt:u}): {Reason}",
                claim.Id, claim.ChannelId, claim.Attempts, MaxAttempts, retryAt, failure);
            changed = await mine.ExecuteUpdateAsync(s => s.SetProperty(a => a.NextAttemptAt, retryAt)
                .SetProperty(a => a.FailureReason, failure), cancellationToken);
            finished = false;
        }
        else
        {
            logger.LogWarning("Mídia {AttachmentId} do canal {ChannelId} não baixada após {Attempts} tentativas: {Reason}",
                claim.Id, claim.ChannelId, claim.Attempts, failure);
            changed = await mine.ExecuteUpdateAsync(s => s.SetProperty(a => a.State, MediaState.Failed)
                .SetProperty(a => a.NextAttemptAt, (DateTime?)null).SetProperty(a => a.FailureReason, failure), cancellationToken);
        }

        if (changed == 1 && finished)
        {
            // The thread shows the photo (or "Tentar novamente") in place of the placeholder.
            unit.Publish(new MessageUpdated(claim.ConversationId, claim.ChannelId, claim.MessageId));
        }

        await unit.CommitAsync(cancellationToken);
    }

    private async Task<(StoredFile? Stored, string? Failure, bool Permanent)> FetchAsync(Claim claim, CancellationToken cancellationToken)
    {
        Channel? channel;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == claim.ChannelId, cancellationToken);
        }

        if (channel is null || claim.Source is null || sources.FirstOrDefault(s => s.Handles(channel.Type)) is not { } source)
        {
            return (null, "Este canal não permite baixar a mídia.", true);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.DownloadTimeout);
        var request = await source.RequestAsync(channel.GetSettings(), claim.Source, timeout.Token);
        if (request.Request is not { } message)
        {
            return (null, request.Failure, request.Permanent);
        }

        using (message)
        using (var response = await clients.CreateClient(ProviderHttp.ClientName)
            .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            var status = (int)response.StatusCode;
            if (status is 404 or 410 or 401 or 403)
            {
                return (null, $"O provedor recusou o arquivo (HTTP {status}).", status is 404 or 410);
            }

            if (!response.IsSuccessStatusCode)
            {
                return (null, $"O provedor respondeu HTTP {status}.", false);
            }

            if (response.Content.Headers.ContentLength > options.Value.MaxBytes)
            {
                throw new MediaTooLargeException(options.Value.MaxBytes);
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            return (await store.SaveAsync(body, timeout.Token), null, false);
        }
    }

    /// <summary>Bearer authorization for a provider's media URL (WhatsApp, Messenger): the token never reaches a log.</summary>
    public static HttpRequestMessage Get(Uri url, string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!string.IsNullOrWhiteSpace(bearer))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer.Trim());
        }

        return request;
    }

    private sealed record Claim(long Id, long MessageId, int ConversationId, int ChannelId, string? Source, string? ContentType,
        int Attempts, DateTime Lease);
}
