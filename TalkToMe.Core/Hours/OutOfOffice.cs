using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Hours;

/// <summary>
/// The out-of-office reply: a customer writes while the channel is closed, and the conversation gets the channel's text once
/// (Chatwoot's behaviour: once per conversation, a new conversation gets it again). Sent as a pending bot message through
/// the normal outbound pipeline, so it shows in the thread and reaches the provider like any reply.
/// </summary>
public static class OutOfOffice
{
    /// <summary>Whether a customer message at <paramref name="now"/> on this channel calls for the reply (a pure check, no database).</summary>
    public static bool Applies(Channel channel, DateTime now)
    {
        var hours = channel.GetBusinessHours();
        return hours.IsEnabled && !hours.IsOpen(now);
    }

    /// <summary>
    /// Sends the reply to each conversation that has not had it, in one unit of work. The conditional UPDATE is the claim:
    /// it matches only while OutOfOfficeSentAt is null, so two messages, two batches or two nodes send it once.
    /// </summary>
    public static async Task<int> SendAsync(UnitOfWorkFactory units, IReadOnlyCollection<(Channel Channel, int ConversationId)> due, DateTime now,
        CancellationToken cancellationToken = default)
    {
        if (due.Count == 0)
        {
            return 0;
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var sent = 0;
        foreach (var (channel, conversationId) in due.DistinctBy(d => d.ConversationId))
        {
            var claimed = await db.Conversations
                .Where(c => c.Id == conversationId && c.OutOfOfficeSentAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.OutOfOfficeSentAt, now), cancellationToken);
            if (claimed == 0)
            {
                continue;
            }

            var conversation = await db.Conversations.FirstAsync(c => c.Id == conversationId, cancellationToken);
            BotMessages.Send(db, conversation, channel, channel.GetBusinessHours().OutOfOfficeText, SenderType.Bot, BotMessages.BotName, now);
            sent++;
        }

        // The unit publishes the message and the conversation's new preview, and wakes the dispatcher, after the commit.
        await unit.CommitAsync(cancellationToken);
        return sent;
    }
}
