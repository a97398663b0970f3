using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Data;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Messaging;

/// <summary>
/// Sends pending outgoing messages through their channel's adapter (DESIGN "Outbound"). Each message is claimed in the
/// database first (a conditional UPDATE of its due time to a lease), so two passes or two instances never send the same
/// message at once, and a message whose sender died becomes due again when the lease ends. Sleeps until the next due
/// time or until <see cref="OutboxSignal"/> says a new message was committed: no polling.
/// </summary>
public sealed class OutboundDispatcher(
    IDbContextFactory<TalkToMeDbContext> factory,
    IEnumerable<IChannelSender> senders,
    OutboxSignal signal,
    InboxEventHub events,
    TimeProvider time,
    IOptions<OutboundOptions> options,
    ILogger<OutboundDispatcher> logger) : BackgroundService
{
    public const string NoSenderReason = "Canal sem envio configurado";

    private static readonly TimeSpan MaxIdle = TimeSpan.FromMinutes(10);

    private readonly Dictionary<Channels.ChannelType, IChannelSender> _senders = senders.ToDictionary(s => s.Type);
    private readonly OutboundOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private SemaphoreSlim? _slots;

    private SemaphoreSlim Slots => _slots ??= new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentSends));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting; the first pass sends whatever a previous run left pending.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await DispatchDueAsync(waitForSends: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Outbound dispatch pass failed; trying again shortly");
                wait = TimeSpan.FromSeconds(5);
            }

            try
            {
                await signal.WaitAsync(wait, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // Sends in flight see the cancellation and leave their messages claimed: the lease brings them back after a restart.
        await Task.WhenAll(_inFlight.Values).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { },
            TaskScheduler.Default);
    }

    /// <summary>
    /// Claims and starts sending every due message; returns how long to sleep until the next one is due.
    /// With <paramref name="waitForSends"/> it also waits for the sends it started (tests, benchmarks).
    /// </summary>
    public async Task<TimeSpan> DispatchDueAsync(bool waitForSends, CancellationToken cancellationToken)
    {
        var started = new List<Task>();
        while (true)
        {
            var now = time.GetUtcNow().UtcDateTime;
            List<DueMessage> due;
            await using (var db = await factory.CreateDbContextAsync(cancellationToken))
            {
                // IX_Messages_PendingDelivery: a range scan over pending messages only.
                due = await db.Messages
                    .Where(m => m.DeliveryStatus == DeliveryStatus.Pending && m.NextAttemptAt <= now)
                    .OrderBy(m => m.NextAttemptAt)
                    .Select(m => new DueMessage(m.Id, m.NextAttemptAt!.Value))
                    .Take(_options.BatchSize)
                    .ToListAsync(cancellationToken);
            }

            var claimedAny = false;
            foreach (var message in due)
            {
                if (_inFlight.ContainsKey(message.Id))
                {
                    continue;
                }

                await Slots.WaitAsync(cancellationToken);
                var lease = time.GetUtcNow().UtcDateTime + _options.ClaimLease;
                bool claimed;
                try
                {
                    claimed = await ClaimAsync(message, lease, cancellationToken);
                }
                catch
                {
                    Slots.Release();
                    throw;
                }

                if (!claimed)
                {
                    Slots.Release();
                    continue;
                }

                claimedAny = true;
                var send = SendClaimedAsync(message.Id, lease, cancellationToken);
                _inFlight[message.Id] = send;
                started.Add(send);
                _ = send.ContinueWith(_ =>
                {
                    _inFlight.TryRemove(message.Id, out var _);
                    Slots.Release();
                }, TaskScheduler.Default);
            }

            if (due.Count < _options.BatchSize || !claimedAny)
            {
                break;
            }
        }

        if (waitForSends)
        {
            await Task.WhenAll(started);
        }

        return await NextWaitAsync(cancellationToken);
    }

    private async Task<TimeSpan> NextWaitAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var next = await db.Messages
            .Where(m => m.DeliveryStatus == DeliveryStatus.Pending && m.NextAttemptAt != null)
            .OrderBy(m => m.NextAttemptAt)
            .Select(m => m.NextAttemptAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (next is null)
        {
            return MaxIdle;
        }

        var wait = next.Value - time.GetUtcNow().UtcDateTime;
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait > MaxIdle ? MaxIdle : wait;
    }

    private async Task<bool> ClaimAsync(DueMessage message, DateTime lease, CancellationToken cancellationToken)
    {
        using (await SqliteWriteGate.EnterAsync(cancellationToken))
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            // Only the pass that still sees the due time it read wins; everyone else updates zero rows.
            var rows = await db.Messages
                .Where(m => m.Id == message.Id && m.DeliveryStatus == DeliveryStatus.Pending && m.NextAttemptAt == message.DueAt)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, (DateTime?)lease), cancellationToken);
            return rows == 1;
        }
    }

    private async Task SendClaimedAsync(long messageId, DateTime lease, CancellationToken cancellationToken)
    {
        // Off the dispatch loop's thread: a slow provider never delays claiming the next messages.
        await Task.Yield();
        try
        {
            var (delivery, refusal) = await LoadAsync(messageId, cancellationToken);
            if (delivery is null && refusal is null)
            {
                return;
            }

            SendResult result;
            if (refusal is not null)
            {
                result = SendResult.Rejected(refusal);
            }
            else if (!_senders.TryGetValue(delivery!.ChannelType, out var sender))
            {
                // Decision: fail at once, visibly, so the agent knows this channel cannot send yet (and can re-send later).
                result = SendResult.Rejected(NoSenderReason);
            }
            else
            {
                try
                {
                    result = await sender.SendAsync(delivery, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    result = SendResult.Failed(ex.Message);
                }
            }

            await FinishAsync(messageId, lease, result, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the message stays claimed until its lease ends, then it is sent again with the same delivery id.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Sending message {MessageId} failed unexpectedly; it is due again after its claim lease", messageId);
        }
    }

    private async Task<(OutboundDelivery? Delivery, string? Refusal)> LoadAsync(long messageId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.Messages.AsNoTracking()
            .Where(m => m.Id == messageId)
            .Select(m => new
            {
                Message = m,
                m.Conversation.Channel,
                ContactExternalId = m.Conversation.ContactIdentity.ExternalId,
                ContactName = m.Conversation.Contact.Name,
                m.Conversation.LastCustomerMessageAt,
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null || row.Message.DeliveryStatus != DeliveryStatus.Pending)
        {
            return (null, null);
        }

        var message = row.Message;
        if (!message.IsCustomerVisible || message.Direction != MessageDirection.Outgoing)
        {
            return (null, "Notas privadas e atividades nunca são enviadas");
        }

        if (row.Channel.IsDeleted)
        {
            return (null, "O canal foi excluído");
        }

        if (!row.Channel.IsActive)
        {
            return (null, "O canal não está ativo");
        }

        var delivery = new OutboundDelivery(message.Id, message.DeliveryId ?? Guid.Empty, message.ConversationId, message.Content,
            message.CreatedAt, message.DeliveryAttempts + 1, row.Channel.Id, row.Channel.Name, row.Channel.Type, row.Channel.GetSettings(),
            row.ContactExternalId, row.ContactName, row.LastCustomerMessageAt, message.Template, row.Channel.PublicKey);
        return (delivery, null);
    }

    private async Task FinishAsync(long messageId, DateTime lease, SendResult result, CancellationToken cancellationToken)
    {
        Message? message;
        bool retry;
        using (await SqliteWriteGate.EnterAsync(cancellationToken))
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            message = await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken);
            if (message is null || message.DeliveryStatus != DeliveryStatus.Pending || message.NextAttemptAt != lease)
            {
                // The lease ran out and another pass owns the message now; its outcome is the one recorded.
                return;
            }

            var now = time.GetUtcNow().UtcDateTime;
            retry = false;
            if (result.Succeeded)
            {
                message.MarkSent(result.ProviderMessageId, now);
            }
            else
            {
                var reason = Shorten(result.Error ?? "Falha desconhecida");
                var last = result.Permanent || message.DeliveryAttempts + 1 >= _options.MaxAttempts;
                retry = !last;
                var delay = _options.RetryDelayAfter(message.DeliveryAttempts + 1);
                if (result.RetryAfter is { } asked && asked > delay)
                {
                    // The provider's rate limit wins over our back-off: sending earlier only earns another refusal.
                    delay = asked;
                }

                message.MarkAttemptFailed(reason, last ? null : now + delay);
                logger.LogWarning("Message {MessageId} attempt {Attempt} failed: {Reason}{Final}", messageId, message.DeliveryAttempts,
                    reason, last ? " (marked failed)" : "");
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        events.Publish(new MessageUpdated(message.ConversationId, message.ChannelId, message.Id));
        if (retry)
        {
            // The loop may be sleeping past this retry's due time.
            signal.Notify();
        }
    }

    private static string Shorten(string reason) => reason.Length <= 1000 ? reason : reason[..999] + "…";

    private sealed record DueMessage(long Id, DateTime DueAt);
}
