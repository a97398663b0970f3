using System.Data.Common;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// The inbound pipeline in plain SQL for every message no flow is involved in: find or create the contact and the
/// conversation, append, restart Keep Alive. A handful of prepared statements instead of EF change tracking, which is
/// what lets one writer keep up with thousands of messages a second. When a flow holds the conversation or would start
/// on a new one, this class answers "not mine" before it writes anything and the EF path (with the flow engine) runs.
/// </summary>
/// <remarks>Rows written here must equal what <see cref="Message.Incoming"/> and <see cref="Conversation.RecordIncoming"/>
/// with <see cref="KeepAliveSchedule.OnCustomerMessage"/> would have saved; the inbound tests run both paths.</remarks>
internal sealed class InboundFastPath : IDisposable
{
    private readonly DbCommand _savepoint;
    private readonly DbCommand _release;
    private readonly DbCommand _rollback;
    private readonly DbCommand _findDuplicate;
    private readonly DbCommand _findIdentity;
    private readonly DbCommand _findConversation;
    private readonly DbCommand _findThread;
    private readonly DbCommand _renameContact;
    private readonly DbCommand _insertContact;
    private readonly DbCommand _insertIdentity;
    private readonly DbCommand _insertConversation;
    private readonly DbCommand _insertMessage;
    private readonly DbCommand _updateConversation;

    public InboundFastPath(DbConnection connection, DbTransaction transaction)
    {
        _savepoint = PreparedSql.Prepare(connection, transaction, "SAVEPOINT inbound");
        _release = PreparedSql.Prepare(connection, transaction, "RELEASE inbound");
        _rollback = PreparedSql.Prepare(connection, transaction, "ROLLBACK TO inbound; RELEASE inbound");
        _findDuplicate = PreparedSql.Prepare(connection, transaction, """
            SELECT "ConversationId", "Id" FROM "Messages"
            WHERE "ChannelId" = $channel AND "Direction" = 0 AND "ExternalId" = $external LIMIT 1
            """);
        _findIdentity = PreparedSql.Prepare(connection, transaction, """
            SELECT i."Id", c."Id", c."Name" FROM "ContactIdentities" AS i JOIN "Contacts" AS c ON c."Id" = i."ContactId"
            WHERE i."ChannelId" = $channel AND i."ExternalId" = $external LIMIT 1
            """);
        // Same choice as the EF path: the identity's latest conversation that is not resolved, or resolved within a day
        // while an exit flow waits for an answer.
        _findConversation = PreparedSql.Prepare(connection, transaction, """
            SELECT "Id", "AssigneeId", "FlowId", "FlowStepIndex" FROM "Conversations"
            WHERE "ContactIdentityId" = $identity AND ("Status" <> 3 OR ("FlowId" IS NOT NULL AND "ResolvedAt" > $since))
            ORDER BY "Id" DESC LIMIT 1
            """);
        _findThread = PreparedSql.Prepare(connection, transaction, """
            SELECT "Id", "AssigneeId", "FlowId", "FlowStepIndex" FROM "Conversations" WHERE "Id" = $id AND "ChannelId" = $channel
            """);
        _renameContact = PreparedSql.Prepare(connection, transaction, """
            UPDATE "Contacts" SET "Name" = $name WHERE "Id" = $id
            """);
        _insertContact = PreparedSql.Prepare(connection, transaction, """
            INSERT INTO "Contacts" ("Name", "Email", "Phone", "AttributesJson", "CreatedAt") VALUES ($name, $email, $phone, '{}', $at)
            RETURNING "Id"
            """);
        _insertIdentity = PreparedSql.Prepare(connection, transaction, """
            INSERT INTO "ContactIdentities" ("ContactId", "ChannelId", "ExternalId") VALUES ($contact, $channel, $external)
            RETURNING "Id"
            """);
        // new Conversation(...) followed by RecordIncoming and KeepAliveSchedule.OnCustomerMessage.
        _insertConversation = PreparedSql.Prepare(connection, transaction, """
            INSERT INTO "Conversations" ("ChannelId", "ContactId", "ContactIdentityId", "Status", "Priority", "LastActivityAt",
                "LastCustomerMessageAt", "LastMessagePreview", "UnreadCount", "CreatedAt", "KeepAliveStage", "KeepAliveDueAt",
                "AttributesJson", "Subject")
            VALUES ($channel, $contact, $identity, 0, 0, $at, $at, $preview, 1, $at, $stage, $due, '{}', $subject)
            RETURNING "Id"
            """);
        _insertMessage = PreparedSql.Prepare(connection, transaction, """
            INSERT INTO "Messages" ("ConversationId", "ChannelId", "Direction", "Kind", "SenderType", "SenderName", "Content",
                "ExternalId", "DeliveryStatus", "DeliveryAttempts", "CreatedAt")
            VALUES ($conversation, $channel, 0, 0, 0, $sender, $content, $external, 0, 0, $at)
            RETURNING "Id"
            """);
        // Conversation.RecordIncoming (a resolved or snoozed conversation opens again) and KeepAliveSchedule.OnCustomerMessage.
        _updateConversation = PreparedSql.Prepare(connection, transaction, """
            UPDATE "Conversations" SET
                "LastActivityAt" = $at, "LastCustomerMessageAt" = $at, "LastMessagePreview" = $preview,
                "UnreadCount" = "UnreadCount" + 1,
                "ResolvedAt" = CASE WHEN "Status" IN (2, 3) THEN NULL ELSE "ResolvedAt" END,
                "SnoozedUntil" = CASE WHEN "Status" IN (2, 3) THEN NULL ELSE "SnoozedUntil" END,
                "Status" = CASE WHEN "Status" IN (2, 3) THEN 0 ELSE "Status" END,
                "KeepAliveStage" = $stage, "KeepAliveDueAt" = $due
            WHERE "Id" = $id
            RETURNING "Status"
            """);
    }

    /// <summary>Each message of a batch under its own savepoint: one bad message never takes the others down.</summary>
    public void BeginMessage() => _savepoint.ExecuteNonQuery();

    public void CommitMessage() => _release.ExecuteNonQuery();

    public void RollbackMessage() => _rollback.ExecuteNonQuery();

    /// <summary>Stores the message and returns its result and events, or null when the EF path must handle it (nothing written).</summary>
    public (InboundResult Result, InboxEvent[] Events)? TryReceive(Channel channel, InboundMessage message, IConversationFlows flows,
        DateTime now)
    {
        if (message.ExternalMessageId is { } externalId)
        {
            Bind(_findDuplicate, channel.Id, externalId);
            using var duplicate = _findDuplicate.ExecuteReader();
            if (duplicate.Read())
            {
                return (new InboundResult(InboundOutcome.Duplicate, duplicate.GetInt32(0), PreparedSql.Int64(duplicate.GetValue(1))), []);
            }
        }

        // Decide before writing anything: a message a flow would see belongs to the EF path, where the flow engine runs.
        var identity = FindIdentity(channel.Id, message.ExternalContactId);
        var found = message.StartNewConversation ? null : FindConversation(message, channel.Id, identity?.Id, now);
        if (found is null ? flows.RunsOnStart(channel) : flows.RunsOnCustomerMessage(found.FlowId, found.FlowStepIndex))
        {
            return null;
        }

        if (identity is null)
        {
            var name = Contact.NormalizeName(message.ContactName ?? message.ExternalContactId);
            var contactId = PreparedSql.Int64(Bind(_insertContact, name, Contact.NormalizeDetail(message.ContactEmail),
                Contact.NormalizeDetail(message.ContactPhone), now.Ticks).ExecuteScalar());
            var identityId = PreparedSql.Int64(Bind(_insertIdentity, contactId, channel.Id, message.ExternalContactId).ExecuteScalar());
            identity = new Identity(identityId, contactId, name);
        }
        else if (!string.IsNullOrWhiteSpace(message.ContactName) && identity.ContactName == message.ExternalContactId)
        {
            // A contact first known only by id gets the name the channel later tells us.
            var name = message.ContactName.Trim();
            Bind(_renameContact, name, identity.ContactId).ExecuteNonQuery();
            identity = identity with { ContactName = name };
        }

        // After RecordIncoming the status is Open or Pending, so only the channel decides whether Keep Alive applies.
        var keepAlive = KeepAliveSchedule.AppliesOn(channel);
        var stage = (int)(keepAlive ? KeepAliveStage.AwaitingInactivity : KeepAliveStage.None);
        object due = keepAlive ? (now + channel.KeepAlive.InactivityTimeout).Ticks : DBNull.Value;
        var preview = Conversation.Shorten(message.Text);

        int conversationId;
        ConversationStatus status;
        string? assigneeId;
        if (found is null)
        {
            conversationId = (int)PreparedSql.Int64(Bind(_insertConversation, channel.Id, identity.ContactId, identity.Id, now.Ticks, preview,
                stage, due, Conversation.NormalizeSubject(message.Subject)).ExecuteScalar());
            status = ConversationStatus.Open;
            assigneeId = null;
        }
        else
        {
            conversationId = found.Id;
            assigneeId = found.AssigneeId;
            status = (ConversationStatus)PreparedSql.Int64(Bind(_updateConversation, now.Ticks, preview, stage, due, conversationId).ExecuteScalar());
        }

        var messageId = PreparedSql.Int64(Bind(_insertMessage, conversationId, channel.Id, identity.ContactName, message.Text,
            message.ExternalMessageId, now.Ticks).ExecuteScalar());

        return (new InboundResult(InboundOutcome.Accepted, conversationId, messageId, StartedConversation: found is null),
        [
            new ConversationChanged(conversationId, channel.Id, status, assigneeId),
            new MessageAdded(conversationId, channel.Id, messageId),
        ]);
    }

    private Identity? FindIdentity(int channelId, string externalContactId)
    {
        using var reader = Bind(_findIdentity, channelId, externalContactId).ExecuteReader();
        return reader.Read() ? new Identity(PreparedSql.Int64(reader.GetValue(0)), PreparedSql.Int64(reader.GetValue(1)), reader.GetString(2)) : null;
    }

    /// <summary>The thread the message names (e-mail), else the identity's current conversation, as the EF path chooses.</summary>
    private OpenConversation? FindConversation(InboundMessage message, int channelId, long? identityId, DateTime now)
    {
        DbCommand command;
        if (message.ConversationId is { } threadId)
        {
            command = Bind(_findThread, threadId, channelId);
        }
        else if (identityId is { } id)
        {
            command = Bind(_findConversation, id, now.AddDays(-1).Ticks);
        }
        else
        {
            return null;
        }

        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new OpenConversation(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt32(3))
            : null;
    }

    private sealed record Identity(long Id, long ContactId, string ContactName);

    private sealed record OpenConversation(int Id, string? AssigneeId, int? FlowId, int? FlowStepIndex);

    public void Dispose()
    {
        foreach (var command in new[] { _savepoint, _release, _rollback, _findDuplicate, _findIdentity, _findConversation, _findThread, _renameContact, _insertContact,
                     _insertIdentity, _insertConversation, _insertMessage, _updateConversation })
        {
            command.Dispose();
        }
    }

    /// <summary>Sets the command's parameters in the order they first appear in its SQL.</summary>
    private static DbCommand Bind(DbCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command;
    }
}
