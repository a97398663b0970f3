using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Data;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Media;
using TalkToMe.Core.Hours;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

/// <summary>A message the writer accepted, and its caller waiting for the answer (given only after the commit).</summary>
internal sealed record PendingReceive(InboundMessage Message)
{
    public TaskCompletionSource<InboundResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Stores one batch of <see cref="InboundWriter"/> (group commit): one unit of work, each message under its own savepoint
/// so one bad message never takes the others down, one disk sync for the batch. Per message (DESIGN "Inbound"): refused
/// if the channel is not Ativo, a duplicate provider id answered as the first time, else find or create contact and
/// conversation, append, restart Keep Alive — through the SQL fast path when no flow is involved, else through EF with the
/// flow engine.
/// </summary>
internal sealed class InboundBatch(UnitOfWorkFactory units, IConversationFlows flows, TimeProvider time, ILogger? logger = null)
{
    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Answers every message of the batch: a result after the commit, or the exception that refused it.</summary>
    public async Task StoreAsync(IReadOnlyList<PendingReceive> batch)
    {
        var stored = new List<(PendingReceive Item, InboundResult Result)>();
        var outOfOffice = new List<(Channel Channel, int ConversationId)>();
        var now = Now;
        await using (var unit = await units.BeginAsync(CancellationToken.None))
        {
            // Each message has its own savepoint below; EF's automatic one per SaveChanges would only add statements.
            unit.Db.Database.AutoSavepointsEnabled = false;
            using (var fastPath = new InboundFastPath(unit.Connection, unit.Transaction))
            {
                var channels = new Dictionary<int, Channel?>();
                foreach (var item in batch)
                {
                    unit.BeginPart();
                    fastPath.BeginMessage();
                    try
                    {
                        var result = await ReceiveAsync(unit, fastPath, channels, item.Message, now);
                        if (unit.Db.ChangeTracker.HasChanges())
                        {
                            await unit.SaveChangesAsync(CancellationToken.None);
                        }

                        await fastPath.CommitMessageAsync();
                        stored.Add((item, result));
                        if (result.Outcome == InboundOutcome.Accepted && channels.GetValueOrDefault(item.Message.ChannelId) is { } channel
                            && OutOfOffice.Applies(channel, now))
                        {
                            outOfOffice.Add((channel, result.ConversationId!.Value));
                        }
                    }
                    catch (Exception ex)
                    {
                        await fastPath.RollbackMessageAsync();
                        unit.DiscardPart();
                        if (ex is DbUpdateException or DbException && item.Message.ExternalMessageId is { } externalId
                            && await FindDuplicateAsync(unit.Db, item.Message.ChannelId, externalId, CancellationToken.None) is { } duplicate)
                        {
                            // Another process stored the same provider id first (the unique index decided): answer as it did.
                            stored.Add((item, duplicate));
                        }
                        else
                        {
                            item.Result.TrySetException(ex);
                        }
                    }
                    finally
                    {
                        unit.Db.ChangeTracker.Clear();
                    }
                }
            }

            await unit.CommitAsync(CancellationToken.None);
        }

        foreach (var (item, result) in stored)
        {
            item.Result.TrySetResult(result);
        }

        // After the callers have their answer, in a unit of its own: the message is stored whatever happens here, and a
        // channel inside its hours (nearly every message) pays only the in-memory check above.
        try
        {
            await OutOfOffice.SendAsync(units, outOfOffice, now);
        }
        catch (Exception ex)
        {
            logger?.LogError(ex, "Out-of-office replies for {Count} conversations failed", outOfOffice.Count);
        }
    }

    /// <summary>One message of a batch: refused on the channel's state, else the SQL fast path, else the EF path.</summary>
    private async Task<InboundResult> ReceiveAsync(UnitOfWork unit, InboundFastPath fastPath, Dictionary<int, Channel?> channels,
        InboundMessage message, DateTime now)
    {
        // Read once per batch, inside its transaction: a channel deactivated before this batch began refuses its messages.
        if (!channels.TryGetValue(message.ChannelId, out var channel))
        {
            channel = await unit.Db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == message.ChannelId);
            channels[message.ChannelId] = channel;
        }

        if (channel is null || channel.IsDeleted)
        {
            return new InboundResult(InboundOutcome.ChannelNotFound);
        }

        if (!channel.CanReceive)
        {
            return new InboundResult(InboundOutcome.ChannelInactive);
        }

        InboundResult result;
        if (await fastPath.TryReceiveAsync(channel, message, flows, now) is { } stored)
        {
            unit.Publish(stored.Events);
            if (stored.Result.Outcome == InboundOutcome.Accepted)
            {
                unit.WakeKeepAlive();
            }

            result = stored.Result;
        }
        else
        {
            result = await ReceiveThroughFlowsAsync(unit, message, CancellationToken.None);
        }

        if (result.Outcome == InboundOutcome.Accepted && message.Media.Count > 0)
        {
            // Under the message's savepoint: the message and its attachments are stored together or not at all; the
            // downloader fetches the files after the commit.
            foreach (var media in message.Media)
            {
                unit.Db.Attachments.Add(new Attachment(result.MessageId!.Value, result.ConversationId!.Value, message.ChannelId, media, now));
            }

            unit.WakeMedia();
        }

        if (result.StartedConversation && message.LookUpProfile)
        {
            // Both paths queued the look-up (when the contact is still named by its id) under the message's savepoint.
            unit.WakeProfileLookups();
        }

        return result;
    }

    /// <summary>The EF path, where the flow engine sees the conversation and the customer's message.</summary>
    private async Task<InboundResult> ReceiveThroughFlowsAsync(UnitOfWork unit, InboundMessage message, CancellationToken cancellationToken)
    {
        var text = message.Text;
        var externalContactId = message.ExternalContactId;
        var externalMessageId = message.ExternalMessageId;
        var db = unit.Db;
        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == message.ChannelId, cancellationToken);
        if (channel is null || channel.IsDeleted)
        {
            return new InboundResult(InboundOutcome.ChannelNotFound);
        }

        if (!channel.CanReceive)
        {
            return new InboundResult(InboundOutcome.ChannelInactive);
        }

        if (externalMessageId is not null && await FindDuplicateAsync(db, channel.Id, externalMessageId, cancellationToken) is { } duplicate)
        {
            return duplicate;
        }

        var now = Now;
        var identity = await db.ContactIdentities.Include(i => i.Contact)
            .FirstOrDefaultAsync(i => i.ChannelId == channel.Id && i.ExternalId == externalContactId, cancellationToken);
        if (identity is null)
        {
            var contact = new Contact(message.ContactName ?? externalContactId, now);
            contact.SetDetails(message.ContactEmail, message.ContactPhone);
            identity = contact.AddIdentity(channel.Id, externalContactId);
            db.Contacts.Add(contact);
        }
        else if (!string.IsNullOrWhiteSpace(message.ContactName) && identity.Contact.Name == identity.ExternalId)
        {
            // A contact first known only by id gets the name the channel later tells us.
            identity.Contact.Rename(message.ContactName);
        }

        // Threaded channels (e-mail) name the conversation the message belongs to, or ask for a new one; everyone else
        // continues the identity's open conversation. Channel and contact are tracked already: no joins needed.
        Conversation? conversation;
        if (message.ConversationId is { } threadId)
        {
            conversation = await db.Conversations
                .FirstOrDefaultAsync(c => c.Id == threadId && c.ChannelId == channel.Id, cancellationToken);
        }
        else
        {
            conversation = identity.Id == 0 || message.StartNewConversation
                ? null
                : await db.Conversations
                    // A conversation resolved within a day whose exit flow waits for an answer (a satisfaction
                    // question) takes that answer; after that the customer's next message starts a new conversation.
                    .Where(c => c.ContactIdentityId == identity.Id && (c.Status != ConversationStatus.Resolved
                        || (c.FlowId != null && c.ResolvedAt > now.AddDays(-1))))
                    .OrderByDescending(c => c.Id)
                    .FirstOrDefaultAsync(cancellationToken);
        }

        var started = conversation is null;
        if (conversation is null)
        {
            conversation = new Conversation(channel, identity, now);
            conversation.SetSubject(message.Subject);
            db.Conversations.Add(conversation);
        }

        var incoming = Message.Incoming(conversation, text, externalMessageId, now, identity.Contact.Name);
        db.Messages.Add(incoming);
        conversation.RecordIncoming(text, now);
        KeepAliveSchedule.OnCustomerMessage(conversation, channel, now);
        // The flow hooks see the conversation and the customer message with their ids.
        await unit.SaveChangesAsync(cancellationToken);

        if (started)
        {
            if (message.LookUpProfile && identity.Contact.Name == externalContactId)
            {
                await using var queue = PreparedSql.Prepare(unit.Connection, unit.Transaction, QueuedProfileLookup.InsertSql);
                await PreparedSql.Bind(queue, channel.Id, externalContactId, now.Ticks).ExecuteNonQueryAsync(cancellationToken);
            }

            await flows.OnConversationStartedAsync(db, conversation, cancellationToken);
        }
        else
        {
            await flows.OnCustomerMessageAsync(db, conversation, message.Answer ?? text, cancellationToken);
        }

        unit.WakeKeepAlive();
        return new InboundResult(InboundOutcome.Accepted, conversation.Id, incoming.Id, started);
    }

    private static async Task<InboundResult?> FindDuplicateAsync(TalkToMeDbContext db, int channelId, string externalMessageId,
        CancellationToken cancellationToken)
    {
        var first = await db.Messages
            .Where(m => m.ChannelId == channelId && m.Direction == MessageDirection.Incoming && m.ExternalId == externalMessageId)
            .Select(m => new { m.ConversationId, m.Id })
            .FirstOrDefaultAsync(cancellationToken);
        return first is null ? null : new InboundResult(InboundOutcome.Duplicate, first.ConversationId, first.Id);
    }
}
