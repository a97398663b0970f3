using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Messaging;

/// <summary>
/// Sends pending outgoing messages through their channel's adapter (DESIGN "Outbound"). Each message is claimed in the
/// database first (a conditional UPDATE of its due time to a lease), so two passes or two instances never send the same
/// message at once, and a message whose sender died becomes due again when the lease ends. Sleeps until the next due
/// time or until <see cref="OutboxSignal"/> says a new message was committed: no polling.
/// <para>
/// Order and outages: only a conversation's oldest pending message may go out, so a later reply waits while an earlier one
/// is retried and the customer reads them in the order they were written. A transient failure opens the channel's circuit
/// (<see cref="ChannelCircuits"/>): its other messages wait, one message probes the endpoint after a short, growing delay
/// (at most <see cref="OutboundOptions.MaxProbeDelay"/>), and the first success lets the whole queue drain in order.
/// A message shows "falhou" after a permanent refusal or once <see cref="OutboundOptions.RetryFor"/> has passed.
/// </para>
/// </summary>
public sealed class OutboundDispatcher(
    IDbContextFactory<TalkToMeDbContext> factory,
    UnitOfWorkFactory units,
    WriteGate gate,
    IEnumerable<IChannelSender> senders,
    OutboxSignal signal,
    TimeProvider time,
    IOptions<OutboundOptions> options,
    ILogger<OutboundDispatcher> logger) : BackgroundService
{
    public const string NoSenderReason = "Canal sem envio configurado";

    /// <summary>
    /// The longest sleep: this node's own replies wake it at once (OutboxSignal), but another node's — left pending or
    /// claimed when that node died — are only seen by looking, one indexed query per pass.
    /// </summary>
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(30);

    private readonly Dictionary<Channels.ChannelType, IChannelSender> _senders = senders.ToDictionary(s => s.Type);
    private readonly OutboundOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly ChannelCircuits _circuits = new(options.Value);
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
            var blocked = _circuits.Blocked(now);
            List<DueMessage> due;
            await using (var db = await factory.CreateDbContextAsync(cancellationToken))
            {
                // IX_Messages_PendingDelivery: a range scan over pending messages only; IX_Messages_PendingByConversation
                // answers "is an older one of this conversation still pending?".
                due = await ConversationHeads(db, blocked)
                    .Where(m => m.NextAttemptAt <= now)
                    .OrderBy(m => m.NextAttemptAt)
                    .ThenBy(m => m.Id)
                    .Select(m => new DueMessage(m.Id, m.ChannelId, m.NextAttemptAt!.Value))
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

                // A failing channel sends one probe at a time and nothing else until it succeeds.
                var mode = _circuits.TryEnter(message.ChannelId, time.GetUtcNow().UtcDateTime);
                if (mode is null)
                {
                    continue;
                }

                await Slots.WaitAsync(cancellationToken);
                var lease = time.GetUtcNow().UtcDateTime + _options.ClaimLease;
                bool claimed;
                try
                {
                    claimed = await ClaimAsync(message.Id, message.DueAt, lease, cancellationToken);
                }
                catch
                {
                    Slots.Release();
                    _circuits.Abandon(message.ChannelId, mode.Value);
                    throw;
                }

                if (!claimed)
                {
                    Slots.Release();
                    _circuits.Abandon(message.ChannelId, mode.Value);
                    continue;
                }

                claimedAny = true;
                // Marked in flight before it starts and unmarked as its last step (before the wake-up), so the next pass
                // never skips a message that is in fact done.
                var placeholder = Task.CompletedTask;
                _inFlight[message.Id] = placeholder;
                var send = SendThenReleaseAsync(message, lease, mode.Value, cancellationToken);
                _inFlight.TryUpdate(message.Id, send, placeholder);
                started.Add(send);
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

    /// <summary>Pending messages that are the oldest pending one of their conversation, on channels free to send.</summary>
    private static IQueryable<Message> ConversationHeads(TalkToMeDbContext db, List<int> blockedChannels)
    {
        var pending = db.Messages.Where(m => m.DeliveryStatus == DeliveryStatus.Pending && m.NextAttemptAt != null);
        if (blockedChannels.Count > 0)
        {
            pending = pending.Where(m => !blockedChannels.Contains(m.ChannelId));
        }

        return pending.Where(m => !db.Messages.Any(e =>
            e.ConversationId == m.ConversationId && e.DeliveryStatus == DeliveryStatus.Pending && e.Id < m.Id));
    }

    private async Task<TimeSpan> NextWaitAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        DateTime? next;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            // Messages waiting behind an older one, or on a failing channel, are not what the loop waits for: the older
            // one's outcome and the channel's next probe wake it.
            next = await ConversationHeads(db, _circuits.Blocked(now))
                .OrderBy(m => m.NextAttemptAt)
                .Select(m => m.NextAttemptAt)
                .FirstOrDefaultAsync(cancellationToken);
        }

        if (_circuits.NextProbe(now) is { } probe && (next is null || probe < next))
        {
            next = probe;
        }

        if (next is null)
        {
            return MaxIdle;
        }

        var wait = next.Value - time.GetUtcNow().UtcDateTime;
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait > MaxIdle ? MaxIdle : wait;
    }

    /// <summary>
    /// Moves a pending message's due time from <paramref name="dueAt"/> to <paramref name="lease"/>: a claim of a due message,
    /// or the longer hold of a claim this pass already has (a message with files). Only the pass that still sees the due time
    /// it read wins; everyone else updates zero rows.
    /// </summary>
    private async Task<bool> ClaimAsync(long messageId, DateTime dueAt, DateTime lease, CancellationToken cancellationToken)
    {
        // One conditional UPDATE, its own transaction: no unit of work needed (nothing to publish), only the writer's turn.
        using (await gate.EnterAsync(cancellationToken))
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var rows = await db.Messages
                .Where(m => m.Id == messageId && m.DeliveryStatus == DeliveryStatus.Pending && m.NextAttemptAt == dueAt)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, (DateTime?)lease), cancellationToken);
            return rows == 1;
        }
    }

    private async Task SendThenReleaseAsync(DueMessage due, DateTime lease, SendMode mode, CancellationToken cancellationToken)
    {
        try
        {
            await SendClaimedAsync(due, lease, mode, cancellationToken);
        }
        finally
        {
            _inFlight.TryRemove(due.Id, out _);
            Slots.Release();
            // The next message of this conversation (or the rest of a recovered channel's queue) may go now.
            signal.Notify();
        }
    }

    private async Task SendClaimedAsync(DueMessage due, DateTime lease, SendMode mode, CancellationToken cancellationToken)
    {
        // Off the dispatch loop's thread: a slow provider never delays claiming the next messages.
        await Task.Yield();
        var recorded = false;
        try
        {
            var (delivery, refusal) = await LoadAsync(due.Id, cancellationToken);
            if (delivery is null && refusal is null)
            {
                return;
            }

            if (delivery is { Attachments.Count: > 0 })
            {
                // Each file may take up to FileSendTimeout to upload: the claim is held that long, so no other pass takes the
                // message for abandoned and sends its files a second time meanwhile.
                var longer = time.GetUtcNow().UtcDateTime + _options.ClaimLease + _options.FileSendTimeout * (delivery.Attachments.Count + 1);
                if (longer > lease)
                {
                    if (!await ClaimAsync(due.Id, lease, longer, cancellationToken))
                    {
                        return;
                    }

                    lease = longer;
                }
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

            // The channel's state follows what its endpoint answered, whatever happens to the row below.
            var retryIn = _circuits.Record(due.ChannelId, due.Id, mode, result, time.GetUtcNow().UtcDateTime);
            recorded = true;
            await FinishAsync(due, lease, result, mode, retryIn, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the message stays claimed until its lease ends, then it is sent again with the same delivery id.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Sending message {MessageId} failed unexpectedly; it is due again after its claim lease", due.Id);
        }
        finally
        {
            if (!recorded)
            {
                _circuits.Abandon(due.ChannelId, mode);
            }
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
            row.ContactExternalId, row.ContactName, row.LastCustomerMessageAt, message.Template, row.Channel.PublicKey,
            message.RatingQuestion);
        // Parts an earlier attempt delivered (only messages sent as several provider messages have any): not sent again.
        var delivered = await db.DeliveredParts.AsNoTracking().Where(p => p.MessageId == messageId)
            .ToDictionaryAsync(p => p.Part, p => p.ExternalId, cancellationToken);
        delivery = delivery with { Progress = new DeliveryProgress(delivered, (part, id, token) => RecordPartAsync(messageId, part, id, token)) };
        var attachments = await db.Attachments.AsNoTracking()
            .Where(a => a.MessageId == messageId && a.State == MediaState.Ready && a.Sha256 != null)
            .OrderBy(a => a.Id)
            .Select(a => new OutboundAttachment(a.Id, a.Kind, a.ContentType ?? MediaSniffer.Binary, a.FileName ?? "", a.Size ?? 0, a.Sha256!))
            .ToListAsync(cancellationToken);
        if (attachments.Count == 0)
        {
            return (delivery, null);
        }

        if (!MediaLimits.CanSend(row.Channel.Type))
        {
            // The reply command refuses files for these channels; a row that has some anyway must not go out as bare text.
            return (null, ServerText.Get("Error.MediaChannelCannotSend", "Este canal ainda não envia anexos."));
        }

        // A reply without a caption stands as its first file's label ("📷 Foto"), as the thread reads it: nothing to send as text.
        var first = attachments[0];
        var caption = message.Content == MediaLabel.For(first.Kind, first.FileName, null, null) ? "" : message.Content;
        return (delivery with { Text = caption, Attachments = attachments }, null);
    }

    /// <summary>
    /// Stores that the provider accepted one part, in its own unit before the sender goes on to the next, so a crash or a
    /// failure after it still knows. Stored whoever holds the claim by now: the customer has the part either way.
    /// </summary>
    private async Task RecordPartAsync(long messageId, int part, string? externalId, CancellationToken cancellationToken)
    {
        try
        {
            await units.InTransactionAsync(unit =>
            {
                unit.Db.DeliveredParts.Add(new DeliveredPart(messageId, part, externalId, time.GetUtcNow().UtcDateTime));
                return Task.CompletedTask;
            }, cancellationToken);
        }
        catch (DbUpdateException ex) when (UniqueViolation.Is(ex))
        {
            // A pass whose lease had run out delivered the same part too: it is recorded already.
        }
    }

    private async Task FinishAsync(DueMessage due, DateTime lease, SendResult result, SendMode mode, TimeSpan retryIn,
        CancellationToken cancellationToken)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        // PostgreSQL: an agent's re-send (or a late pass) on the same row waits until this outcome is recorded.
        await unit.LockMessageAsync(due.Id, cancellationToken);
        var message = await db.Messages.FirstOrDefaultAsync(m => m.Id == due.Id, cancellationToken);
        if (message is null || message.DeliveryStatus != DeliveryStatus.Pending || message.NextAttemptAt != lease)
        {
            // The lease ran out and another pass owns the message now; its outcome is the one recorded.
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (result.Succeeded)
        {
            message.MarkSent(result.ProviderMessageId, now);
        }
        else
        {
            var reason = Shorten(result.Error ?? "Falha desconhecida");
            // An outage shorter than RetryFor costs a delay, never a "falhou".
            var last = result.Permanent || now >= message.RetryDeadline(_options.RetryFor);
            message.MarkAttemptFailed(reason, last ? null : now + retryIn);
            if (last)
            {
                _circuits.Forget(message.Id);
            }

            logger.LogWarning("Message {MessageId} attempt {Attempt} failed: {Reason}{Final}", due.Id, message.DeliveryAttempts,
                reason, last ? " (marked failed)" : "");
            if (!result.Permanent && mode == SendMode.Probe)
            {
                // The channel is still down: messages queued behind the probe whose window has ended fail now, with the
                // probe's reason, instead of each waiting for a turn as probe first.
                var cutoff = now - _options.RetryFor;
                var overdue = db.Messages
                    .Where(m => m.ChannelId == due.ChannelId && m.Id != due.Id && m.DeliveryStatus == DeliveryStatus.Pending
                        && m.NextAttemptAt <= now && (m.RetriedAt ?? m.CreatedAt) <= cutoff);
                // Locked, then read again (PostgreSQL): one another node has just claimed to send is no longer due and stays.
                var staleIds = await overdue.OrderBy(m => m.Id).Take(500).Select(m => m.Id).ToListAsync(cancellationToken);
                await unit.LockMessagesAsync(staleIds, cancellationToken);
                var expired = await overdue.Where(m => staleIds.Contains(m.Id)).ToListAsync(cancellationToken);
                foreach (var stale in expired)
                {
                    stale.GiveUp(reason);
                }
            }
        }

        // The message and the expired ones are saved as changed messages: the unit publishes MessageUpdated for each.
        await unit.CommitAsync(cancellationToken);
    }

    private static string Shorten(string reason) => reason.Length <= 1000 ? reason : reason[..999] + "…";

    private sealed record DueMessage(long Id, int ChannelId, DateTime DueAt);
}
