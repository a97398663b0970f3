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
/// <remarks>A message to a known contact's conversation takes two commands of several statements each: the savepoint
/// and every lookup, then the conversation's update, the message and the release. On PostgreSQL each command is one round
/// trip to the server, and round trips, not the statements, are what the single writer waits on.</remarks>
/// <remarks>Rows written here must equal what <see cref="Message.Incoming"/> and <see cref="Conversation.RecordIncoming"/>
/// with <see cref="KeepAliveSchedule.OnCustomerMessage"/> would have saved; the inbound tests run both paths.</remarks>
internal sealed class InboundFastPath : IDisposable
{
    private const string FindDuplicate = """
        SAVEPOINT inbound;
        SELECT "ConversationId", "Id" FROM "Messages"
        WHERE "ChannelId" = $channel AND "Direction" = 0 AND "ExternalId" = $external LIMIT 1;
        SELECT i."Id", c."Id", c."Name" FROM "ContactIdentities" AS i JOIN "Contacts" AS c ON c."Id" = i."ContactId"
        WHERE i."ChannelId" = $channel AND i."ExternalId" = $contact LIMIT 1;
        """;

    private const string InsertMessage = """
        INSERT INTO "Messages" ("ConversationId", "ChannelId", "Direction", "Kind", "SenderType", "SenderName", "Content",
            "ExternalId", "DeliveryStatus", "DeliveryAttempts", "CreatedAt")
        VALUES ($conversation, $channel, 0, 0, 0, $sender, $content, $external, 0, 0, $at)
        RETURNING "Id";
        RELEASE inbound;
        """;

    private readonly DbCommand _lookup;
    private readonly DbCommand _lookupThread;
    private readonly DbCommand _lookupContact;
    private readonly DbCommand _release;
    private readonly DbCommand _rollback;
    private readonly DbCommand _renameContact;
    private readonly DbCommand _insertContact;
    private readonly DbCommand _insertIdentity;
    private readonly DbCommand _insertConversation;
    private readonly DbCommand _insertMessage;
    private readonly DbCommand _appendMessage;
    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;

    /// <summary>Made on the first look-up of a batch: most batches come from channels whose webhooks carry names.</summary>
    private DbCommand? _queueProfileLookup;

    /// <summary>Whether this message's savepoint is open: set by the lookups, cleared by the release.</summary>
    private bool _open;

    public InboundFastPath(DbConnection connection, DbTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
        // The lookups: duplicate, identity and then, as the EF path chooses, the identity's latest conversation that is
        // not resolved (or resolved within a day while an exit flow waits for an answer), or the thread the message names.
        _lookup = PreparedSql.Prepare(connection, transaction, FindDuplicate + """
            SELECT "Id", "AssigneeId", "FlowId", "FlowStepIndex" FROM "Conversations"
            WHERE "ContactIdentityId" = (SELECT "Id" FROM "ContactIdentities" WHERE "ChannelId" = $channel AND "ExternalId" = $contact)
                AND ("Status" <> 3 OR ("FlowId" IS NOT NULL AND "ResolvedAt" > $since))
            ORDER BY "Id" DESC LIMIT 1
            """);
        _lookupThread = PreparedSql.Prepare(connection, transaction, FindDuplicate + """
            SELECT "Id", "AssigneeId", "FlowId", "FlowStepIndex" FROM "Conversations" WHERE "Id" = $thread AND "ChannelId" = $channel
            """);
        _lookupContact = PreparedSql.Prepare(connection, transaction, FindDuplicate);
        _release = PreparedSql.Prepare(connection, transaction, "RELEASE inbound");
        _rollback = PreparedSql.Prepare(connection, transaction, "ROLLBACK TO inbound; RELEASE inbound");
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
        _insertMessage = PreparedSql.Prepare(connection, transaction, InsertMessage);
        // Conversation.RecordIncoming (a resolved or snoozed conversation opens again) and KeepAliveSchedule.OnCustomerMessage,
        // then the message.
        _appendMessage = PreparedSql.Prepare(connection, transaction, """
            UPDATE "Conversations" SET
                "LastActivityAt" = $at, "LastCustomerMessageAt" = $at, "LastMessagePreview" = $preview,
                "UnreadCount" = "UnreadCount" + 1,
                "ResolvedAt" = CASE WHEN "Status" IN (2, 3) THEN NULL ELSE "ResolvedAt" END,
                "SnoozedUntil" = CASE WHEN "Status" IN (2, 3) THEN NULL ELSE "SnoozedUntil" END,
                "Status" = CASE WHEN "Status" IN (2, 3) THEN 0 ELSE "Status" END,
                "KeepAliveStage" = $stage, "KeepAliveDueAt" = $due
            WHERE "Id" = $conversation
            RETURNING "Status";
            """ + InsertMessage);
    }

    /// <summary>Each message of a batch under its own savepoint, so one bad message never takes the others down. The
    /// savepoint is opened by <see cref="TryReceiveAsync"/>'s first command, in the same round trip as the lookups.</summary>
    public void BeginMessage() => _open = false;

    public async Task CommitMessageAsync()
    {
        if (_open)
        {
            await _release.ExecuteNonQueryAsync();
            _open = false;
        }
    }

    public async Task RollbackMessageAsync()
    {
        if (_open)
        {
            await _rollback.ExecuteNonQueryAsync();
            _open = false;
        }
    }

    /// <summary>Stores the message and returns its result and events, or null when the EF path must handle it (nothing
    /// written; the savepoint is open for it).</summary>
    public async Task<(InboundResult Result, InboxEvent[] Events)?> TryReceiveAsync(Channel channel, InboundMessage message,
        IConversationFlows flows, DateTime now)
    {
        var lookup = message.StartNewConversation ? _lookupContact : message.ConversationId is null ? _lookup : _lookupThread;
        Set(lookup, ("channel", channel.Id), ("external", message.ExternalMessageId), ("contact", message.ExternalContactId));
        if (lookup == _lookup)
        {
            Set(lookup, ("since", now.AddDays(-1).Ticks));
        }
        else if (lookup == _lookupThread)
        {
            Set(lookup, ("thread", message.ConversationId));
        }

        var rows = await RunAsync(lookup);
        _open = true;
        if (rows[0] is { } duplicate)
        {
            return (new InboundResult(InboundOutcome.Duplicate, Convert.ToInt32(duplicate[0]), PreparedSql.Int64(duplicate[1])), []);
        }

        // Decide before writing anything: a message a flow would see belongs to the EF path, where the flow engine runs.
        var identity = rows[1] is { } i ? new Identity(PreparedSql.Int64(i[0]), PreparedSql.Int64(i[1]), (string)i[2]!) : null;
        var found = rows.Length > 2 && rows[2] is { } c
            ? new OpenConversation(Convert.ToInt32(c[0]), c[1] as string, c[2] is null ? null : Convert.ToInt32(c[2]),
                c[3] is null ? null : Convert.ToInt32(c[3]))
            : null;
        if (found is null ? flows.RunsOnStart(channel) : flows.RunsOnCustomerMessage(found.FlowId, found.FlowStepIndex))
        {
            return null;
        }

        if (identity is null)
        {
            var name = Contact.NormalizeName(message.ContactName ?? message.ExternalContactId);
            var contactId = PreparedSql.Int64(await Set(_insertContact, ("name", name), ("email", Contact.NormalizeDetail(message.ContactEmail)),
                ("phone", Contact.NormalizeDetail(message.ContactPhone)), ("at", now.Ticks)).ExecuteScalarAsync());
            var identityId = PreparedSql.Int64(await Set(_insertIdentity, ("contact", contactId), ("channel", channel.Id),
                ("external", message.ExternalContactId)).ExecuteScalarAsync());
            identity = new Identity(identityId, contactId, name);
        }
        else if (!string.IsNullOrWhiteSpace(message.ContactName) && identity.ContactName == message.ExternalContactId)
        {
            // A contact first known only by id gets the name the channel later tells us.
            var name = message.ContactName.Trim();
            await Set(_renameContact, ("name", name), ("id", identity.ContactId)).ExecuteNonQueryAsync();
            identity = identity with { ContactName = name };
        }

        // After RecordIncoming the status is Open or Pending, so only the channel decides whether Keep Alive applies.
        var keepAlive = KeepAliveSchedule.AppliesOn(channel);
        var stage = (int)(keepAlive ? KeepAliveStage.AwaitingInactivity : KeepAliveStage.None);
        long? due = keepAlive ? KeepAliveSchedule.InactivityDue(channel, now).Ticks : null;
        var preview = Conversation.Shorten(message.Text);

        int conversationId;
        ConversationStatus status;
        string? assigneeId;
        DbCommand append;
        if (found is null)
        {
            conversationId = (int)PreparedSql.Int64(await Set(_insertConversation, ("channel", channel.Id), ("contact", identity.ContactId),
                ("identity", identity.Id), ("at", now.Ticks), ("preview", preview), ("stage", stage), ("due", due),
                ("subject", Conversation.NormalizeSubject(message.Subject))).ExecuteScalarAsync());
            status = ConversationStatus.Open;
            assigneeId = null;
            append = _insertMessage;
            if (message.LookUpProfile && identity.ContactName == message.ExternalContactId)
            {
                // Inside the message's savepoint: the look-up is stored with the contact's first message or not at all.
                _queueProfileLookup ??= PreparedSql.Prepare(_connection, _transaction, QueuedProfileLookup.InsertSql);
                await PreparedSql.Bind(_queueProfileLookup, channel.Id, message.ExternalContactId, now.Ticks).ExecuteNonQueryAsync();
            }
        }
        else
        {
            conversationId = found.Id;
            assigneeId = found.AssigneeId;
            status = default;
            append = Set(_appendMessage, ("preview", preview), ("stage", stage), ("due", due));
        }

        Set(append, ("conversation", conversationId), ("channel", channel.Id), ("sender", identity.ContactName), ("content", message.Text),
            ("external", message.ExternalMessageId), ("at", now.Ticks));
        var written = await RunAsync(append);
        _open = false;
        if (found is not null)
        {
            status = (ConversationStatus)PreparedSql.Int64(written[0]![0]);
        }

        var messageId = PreparedSql.Int64(written[^1]![0]);
        return (new InboundResult(InboundOutcome.Accepted, conversationId, messageId, StartedConversation: found is null),
        [
            new ConversationChanged(conversationId, channel.Id, status, assigneeId),
            // What Message.Incoming and UnitChanges would say of the same row (the inbound tests compare both paths' events).
            new MessageAdded(conversationId, channel.Id, messageId)
            {
                Text = message.Text,
                Private = false,
                Kind = MessageKind.Text,
                Direction = MessageDirection.Incoming,
                SenderType = SenderType.Contact,
                SenderName = identity.ContactName,
                DeliveryStatus = DeliveryStatus.None,
                CreatedAt = now,
                ConversationStatus = status,
            },
        ]);
    }

    private sealed record Identity(long Id, long ContactId, string ContactName);

    private sealed record OpenConversation(int Id, string? AssigneeId, int? FlowId, int? FlowStepIndex);

    public void Dispose()
    {
        foreach (var command in new[] { _lookup, _lookupThread, _lookupContact, _release, _rollback, _renameContact, _insertContact,
                     _insertIdentity, _insertConversation, _insertMessage, _appendMessage })
        {
            command.Dispose();
        }

        _queueProfileLookup?.Dispose();
    }

    /// <summary>Runs every statement of the command and returns the first row of each one that returns rows (null when
    /// it found none), with SQL NULL as null.</summary>
    private static async Task<object?[]?[]> RunAsync(DbCommand command)
    {
        var rows = new List<object?[]?>();
        await using var reader = await command.ExecuteReaderAsync();
        do
        {
            if (reader.FieldCount == 0)
            {
                continue;
            }

            object?[]? row = null;
            if (await reader.ReadAsync())
            {
                row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }
            }

            rows.Add(row);
        }
        while (await reader.NextResultAsync());

        return [.. rows];
    }

    private static DbCommand Set(DbCommand command, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            PreparedSql.Parameter(command, name).Value = value ?? DBNull.Value;
        }

        return command;
    }
}
