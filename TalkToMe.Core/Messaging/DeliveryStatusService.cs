using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Messaging;

/// <summary>
/// Applies a provider's status callback (sent, delivered, read, failed + reason) to the outgoing message it names.
/// Callbacks arrive out of order and more than once; <see cref="Message.ApplyProviderStatus"/> never moves backwards.
/// </summary>
public sealed class DeliveryStatusService(IDbContextFactory<TalkToMeDbContext> factory, InboxEventHub events)
{
    /// <returns>False when no outgoing message of that channel carries the provider id (the caller still answers 200: providers retry otherwise).</returns>
    public async Task<bool> ApplyAsync(int channelId, string providerMessageId, DeliveryStatus status, string? reason,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var message = await db.Messages.FirstOrDefaultAsync(m => m.ChannelId == channelId
            && m.Direction == MessageDirection.Outgoing && m.ExternalId == providerMessageId, cancellationToken);
        if (message is null)
        {
            return false;
        }

        var before = (message.DeliveryStatus, message.FailureReason);
        message.ApplyProviderStatus(status, reason);
        if ((message.DeliveryStatus, message.FailureReason) == before)
        {
            return true;
        }

        await db.SaveChangesAsync(cancellationToken);
        events.Publish(new MessageUpdated(message.ConversationId, channelId, message.Id));
        return true;
    }
}
