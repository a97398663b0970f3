using System.Data.Common;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.KeepAlive;

/// <summary>
/// Prepared statements on the context's connection and transaction for Keep Alive's batched writes. A burst of due
/// conversations is three single-row statements each; EF's change tracker turns 1,000 of them into seconds, one
/// reused statement per kind of row into milliseconds. Each command is prepared once and run with new values.
/// </summary>
internal sealed class KeepAliveRows : IAsyncDisposable
{
    private readonly DbCommand _insertMessage;
    private readonly DbCommand _recordOutgoing;
    private readonly DbCommand _clearKeepAlive;
    private readonly DbCommand _resolve;

    /// <summary>The statements on the batch's unit of work: its connection, inside its transaction.</summary>
    public KeepAliveRows(DbConnection connection, DbTransaction transaction)
    {
        _insertMessage = PreparedSql.Prepare(connection, transaction, """
            INSERT INTO "Messages" ("ConversationId", "ChannelId", "Direction", "Kind", "SenderType", "SenderId", "SenderName",
                "Content", "ExternalId", "DeliveryStatus", "FailureReason", "DeliveryAttempts", "NextAttemptAt", "DeliveryId",
                "CreatedAt", "SentAt", "ActivityData")
            VALUES ($conversation, $channel, $direction, $kind, $senderType, $senderId, $senderName,
                $content, $externalId, $deliveryStatus, $failureReason, $attempts, $nextAttemptAt, $deliveryId,
                $createdAt, $sentAt, $activityData)
            RETURNING "Id"
            """);
        // What Conversation.RecordOutgoing changes.
        _recordOutgoing = PreparedSql.Prepare(connection, transaction,
            """UPDATE "Conversations" SET "LastActivityAt" = $at, "LastMessagePreview" = $preview WHERE "Id" = $id""");
        _clearKeepAlive = PreparedSql.Prepare(connection, transaction,
            $"""UPDATE "Conversations" SET "KeepAliveStage" = {(int)KeepAliveStage.None}, "KeepAliveDueAt" = NULL WHERE "Id" = $id""");
        // What Conversation.Resolve changes, plus the flow state the exit-flow hook clears (there is no exit flow here).
        _resolve = PreparedSql.Prepare(connection, transaction, $"""
            UPDATE "Conversations" SET "Status" = {(int)ConversationStatus.Resolved}, "ResolvedAt" = $at, "SnoozedUntil" = NULL,
                "KeepAliveStage" = {(int)KeepAliveStage.None}, "KeepAliveDueAt" = NULL, "FlowId" = NULL, "FlowStepIndex" = NULL
            WHERE "Id" = $id
            """);
    }

    /// <summary>Stores the message as EF stores it (enums as integers, times as UTC ticks, the Guid as EF's provider stores it) and returns its id.</summary>
    public async Task<long> InsertAsync(Message message, CancellationToken cancellationToken)
    {
        P(_insertMessage, "conversation").Value = message.ConversationId;
        P(_insertMessage, "channel").Value = message.ChannelId;
        P(_insertMessage, "direction").Value = (int)message.Direction;
        P(_insertMessage, "kind").Value = (int)message.Kind;
        P(_insertMessage, "senderType").Value = (int)message.SenderType;
        P(_insertMessage, "senderId").Value = (object?)message.SenderId ?? DBNull.Value;
        P(_insertMessage, "senderName").Value = (object?)message.SenderName ?? DBNull.Value;
        P(_insertMessage, "content").Value = message.Content;
        P(_insertMessage, "externalId").Value = (object?)message.ExternalId ?? DBNull.Value;
        P(_insertMessage, "deliveryStatus").Value = (int)message.DeliveryStatus;
        P(_insertMessage, "failureReason").Value = (object?)message.FailureReason ?? DBNull.Value;
        P(_insertMessage, "attempts").Value = message.DeliveryAttempts;
        P(_insertMessage, "nextAttemptAt").Value = Ticks(message.NextAttemptAt);
        P(_insertMessage, "deliveryId").Value = PreparedSql.Guid(_insertMessage, message.DeliveryId);
        P(_insertMessage, "createdAt").Value = message.CreatedAt.Ticks;
        P(_insertMessage, "sentAt").Value = Ticks(message.SentAt);
        P(_insertMessage, "activityData").Value = message.ActivityData is { } activity
            ? System.Text.Json.JsonSerializer.Serialize(activity, JsonDefaults.Compact)
            : DBNull.Value;
        return PreparedSql.Int64(await _insertMessage.ExecuteScalarAsync(cancellationToken));
    }

    public async Task RecordOutgoingAsync(int conversationId, string text, DateTime at, CancellationToken cancellationToken)
    {
        P(_recordOutgoing, "id").Value = conversationId;
        P(_recordOutgoing, "at").Value = at.Ticks;
        P(_recordOutgoing, "preview").Value = Conversation.Shorten(text);
        await _recordOutgoing.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ClearKeepAliveAsync(int conversationId, CancellationToken cancellationToken)
    {
        P(_clearKeepAlive, "id").Value = conversationId;
        await _clearKeepAlive.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ResolveAsync(int conversationId, DateTime at, CancellationToken cancellationToken)
    {
        P(_resolve, "id").Value = conversationId;
        P(_resolve, "at").Value = at.Ticks;
        await _resolve.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _resolve.DisposeAsync();
        await _insertMessage.DisposeAsync();
        await _recordOutgoing.DisposeAsync();
        await _clearKeepAlive.DisposeAsync();
    }

    private static DbParameter P(DbCommand command, string name) => PreparedSql.Parameter(command, name);

    private static object Ticks(DateTime? value) => value is { } at ? at.Ticks : DBNull.Value;
}
