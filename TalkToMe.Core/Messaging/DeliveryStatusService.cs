using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Messaging;

/// <summary>
/// Applies a provider's status callback (sent, delivered, read, failed + reason) to the outgoing message it names.
/// Callbacks arrive out of order and more than once; <see cref="Message.ApplyProviderStatus"/> never moves backwards. Open
/// inboxes hear of each changed message from the unit of work, after the commit.
/// </summary>
public sealed class DeliveryStatusService(UnitOfWorkFactory units)
{
    /// <returns>False when no outgoing message of that channel carries the provider id (the caller still answers 200: providers retry otherwise).</returns>
    public async Task<bool> ApplyAsync(int channelId, string providerMessageId, DeliveryStatus status, string? reason,
        CancellationToken cancellationToken = default)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        var id = await unit.Db.Messages.Where(m => m.ChannelId == channelId
                && m.Direction == MessageDirection.Outgoing && m.ExternalId == providerMessageId)
            .Select(m => (long?)m.Id).FirstOrDefaultAsync(cancellationToken);
        if (id is null)
        {
            return false;
        }

        // PostgreSQL: a "read" and a late "delivered" for the same message arrive together; the second waits for the
        // first and then sees its status, so the message never moves backwards.
        await unit.LockMessageAsync(id.Value, cancellationToken);
        var message = await unit.Db.Messages.FirstAsync(m => m.Id == id, cancellationToken);

        var before = (message.DeliveryStatus, message.FailureReason);
        message.ApplyProviderStatus(status, reason);
        if ((message.DeliveryStatus, message.FailureReason) == before)
        {
            return true;
        }

        // Saved as a changed message: the unit publishes MessageUpdated for it.
        await unit.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// A receipt that covers more than one message (Messenger's delivery and read watermarks, Instagram's "seen"): the outgoing
    /// messages named by <paramref name="providerMessageIds"/>, and every outgoing message of the same customer on that channel
    /// sent up to <paramref name="upTo"/> (or, without it, up to the newest named message), reach <paramref name="status"/>.
    /// Only messages already sent move (a pending one is not delivered yet); none moves backwards or out of failed; unknown ids
    /// are ignored.
    /// </summary>
    /// <returns>How many messages changed.</returns>
    public async Task<int> ApplyReceiptAsync(int channelId, string contactExternalId, DeliveryStatus status,
        IReadOnlyCollection<string> providerMessageIds, DateTime? upTo, CancellationToken cancellationToken = default)
    {
        if (status is not (DeliveryStatus.Delivered or DeliveryStatus.Read))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A receipt is a delivery or a read.");
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var ids = providerMessageIds.Distinct().ToList();
        var named = new List<(int ConversationId, DateTime? SentAt)>();
        if (ids.Count > 0)
        {
            var rows = await db.Messages.AsNoTracking()
                .Where(m => m.ChannelId == channelId && m.Direction == MessageDirection.Outgoing && m.ExternalId != null && ids.Contains(m.ExternalId))
                .Select(m => new { m.ConversationId, m.SentAt })
                .ToListAsync(cancellationToken);
            named.AddRange(rows.Select(r => (r.ConversationId, r.SentAt)));
        }

        var until = upTo ?? named.Max(m => m.SentAt);
        var conversationIds = named.Select(m => m.ConversationId).ToHashSet();
        conversationIds.UnionWith(await db.Conversations.AsNoTracking()
            .Where(c => c.ChannelId == channelId && c.ContactIdentity.ExternalId == contactExternalId)
            .Select(c => c.Id)
            .ToListAsync(cancellationToken));

        var covered = db.Messages
            .Where(m => m.ChannelId == channelId && m.Direction == MessageDirection.Outgoing && m.Kind == MessageKind.Text
                && m.DeliveryStatus >= DeliveryStatus.Sent && m.DeliveryStatus < status
                && ((m.ExternalId != null && ids.Contains(m.ExternalId))
                    || (until != null && conversationIds.Contains(m.ConversationId) && m.SentAt != null && m.SentAt <= until)));
        // Locked, then read again (PostgreSQL): a concurrent receipt's newer status is what the check above must see.
        var lockIds = await covered.Select(m => m.Id).ToListAsync(cancellationToken);
        await unit.LockMessagesAsync(lockIds, cancellationToken);
        var candidates = await covered.Where(m => lockIds.Contains(m.Id)).ToListAsync(cancellationToken);
        foreach (var message in candidates)
        {
            message.ApplyProviderStatus(status, null);
        }

        if (candidates.Count == 0)
        {
            return 0;
        }

        await unit.CommitAsync(cancellationToken);
        return candidates.Count;
    }
}
