using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.KeepAlive;

/// <summary>
/// Prepared statements on the context's connection and transaction for Keep Alive's batched writes. A burst of due
/// conversations is three single-row statements each; EF's change tracker turns 1,000 of them into seconds, one
/// reused SQLite statement per kind of row into milliseconds. Each command is prepared once and run with new values.
/// </summary>
internal sealed class KeepAliveRows : IAsyncDisposable
{
    private readonly SqliteCommand _insertMessage;
    private readonly SqliteCommand _recordOutgoing;
    private readonly SqliteCommand _clearKeepAlive;
    private readonly SqliteCommand _resolve;

    public KeepAliveRows(TalkToMeDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Keep Alive writes its rows inside the batch's transaction.");
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

    /// <summary>Stores the message as EF stores it (enums as integers, times as UTC ticks, the Guid as upper-case text) and returns its id.</summary>
    public async Task<long> InsertAsync(Message message, CancellationToken cancellationToken)
    {
        var p = _insertMessage.Parameters;
        p["$conversation"].Value = message.ConversationId;
        p["$channel"].Value = message.ChannelId;
        p["$direction"].Value = (int)message.Direction;
        p["$kind"].Value = (int)message.Kind;
        p["$senderType"].Value = (int)message.SenderType;
        p["$senderId"].Value = (object?)message.SenderId ?? DBNull.Value;
        p["$senderName"].Value = (object?)message.SenderName ?? DBNull.Value;
        p["$content"].Value = message.Content;
        p["$externalId"].Value = (object?)message.ExternalId ?? DBNull.Value;
        p["$deliveryStatus"].Value = (int)message.DeliveryStatus;
        p["$failureReason"].Value = (object?)message.FailureReason ?? DBNull.Value;
        p["$attempts"].Value = message.DeliveryAttempts;
        p["$nextAttemptAt"].Value = Ticks(message.NextAttemptAt);
        p["$deliveryId"].Value = message.DeliveryId is { } id ? id.ToString().ToUpperInvariant() : DBNull.Value;
        p["$createdAt"].Value = message.CreatedAt.Ticks;
        p["$sentAt"].Value = Ticks(message.SentAt);
        p["$activityData"].Value = message.ActivityData is { } activity
            ? System.Text.Json.JsonSerializer.Serialize(activity, JsonDefaults.Compact)
            : DBNull.Value;
        return (long)(await _insertMessage.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task RecordOutgoingAsync(int conversationId, string text, DateTime at, CancellationToken cancellationToken)
    {
        _recordOutgoing.Parameters["$id"].Value = conversationId;
        _recordOutgoing.Parameters["$at"].Value = at.Ticks;
        _recordOutgoing.Parameters["$preview"].Value = Conversation.Shorten(text);
        await _recordOutgoing.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ClearKeepAliveAsync(int conversationId, CancellationToken cancellationToken)
    {
        _clearKeepAlive.Parameters["$id"].Value = conversationId;
        await _clearKeepAlive.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ResolveAsync(int conversationId, DateTime at, CancellationToken cancellationToken)
    {
        _resolve.Parameters["$id"].Value = conversationId;
        _resolve.Parameters["$at"].Value = at.Ticks;
        await _resolve.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _resolve.DisposeAsync();
        await _insertMessage.DisposeAsync();
        await _recordOutgoing.DisposeAsync();
        await _clearKeepAlive.DisposeAsync();
    }

    private static object Ticks(DateTime? value) => value is { } at ? at.Ticks : DBNull.Value;
}
