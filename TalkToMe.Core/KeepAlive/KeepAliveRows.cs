using System.Data.Common;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.KeepAlive;

/// <summary>
/// Keep Alive's batched writes without EF's change tracker: a burst of due conversations is a few single-row statements
/// each, and 1,000 of them through the change tracker take seconds. The statements are queued and written by
/// <see cref="FlushAsync"/> in order: on PostgreSQL as one batch (one round trip for the whole claim instead of three per
/// conversation), on SQLite one prepared statement after another (calls inside the process, nothing to save).
/// </summary>
internal sealed class KeepAliveRows(DbConnection connection, DbTransaction transaction)
{
    private const string InsertMessage = """
        INSERT INTO "Messages" ("ConversationId", "ChannelId", "Direction", "Kind", "SenderType", "SenderId", "SenderName",
            "Content", "ExternalId", "DeliveryStatus", "FailureReason", "DeliveryAttempts", "NextAttemptAt", "DeliveryId",
            "CreatedAt", "SentAt", "ActivityData")
        VALUES ($conversation, $channel, $direction, $kind, $senderType, $senderId, $senderName,
            $content, $externalId, $deliveryStatus, $failureReason, $attempts, $nextAttemptAt, $deliveryId,
            $createdAt, $sentAt, $activityData)
        RETURNING "Id"
        """;

    // What Conversation.RecordOutgoing changes.
    private const string RecordOutgoing = """UPDATE "Conversations" SET "LastActivityAt" = $at, "LastMessagePreview" = $preview WHERE "Id" = $id""";

    private static readonly string ClearKeepAlive =
        $"""UPDATE "Conversations" SET "KeepAliveStage" = {(int)KeepAliveStage.None}, "KeepAliveDueAt" = NULL WHERE "Id" = $id""";

    // What Conversation.Resolve changes, plus the flow state the exit-flow hook clears (there is no exit flow here).
    private static readonly string Resolve = $"""
        UPDATE "Conversations" SET "Status" = {(int)ConversationStatus.Resolved}, "ResolvedAt" = $at, "SnoozedUntil" = NULL,
            "KeepAliveStage" = {(int)KeepAliveStage.None}, "KeepAliveDueAt" = NULL, "FlowId" = NULL, "FlowStepIndex" = NULL
        WHERE "Id" = $id
        """;

    private readonly List<(string Sql, object?[] Values)> _queued = [];

    /// <summary>Queues the message as EF stores it (enums as integers, times as UTC ticks, the Guid as the engine stores
    /// it); its id is in <see cref="FlushAsync"/>'s answer, in the order of the inserts.</summary>
    public void Insert(Message message) => _queued.Add((InsertMessage,
    [
        message.ConversationId, message.ChannelId, (int)message.Direction, (int)message.Kind, (int)message.SenderType,
        message.SenderId, message.SenderName, message.Content, message.ExternalId, (int)message.DeliveryStatus,
        message.FailureReason, message.DeliveryAttempts, message.NextAttemptAt?.Ticks, PreparedSql.Guid(connection, message.DeliveryId),
        message.CreatedAt.Ticks, message.SentAt?.Ticks,
        message.ActivityData is { } activity ? System.Text.Json.JsonSerializer.Serialize(activity, JsonDefaults.Compact) : null,
    ]));

    public void RecordOutgoingMessage(int conversationId, string text, DateTime at) =>
        _queued.Add((RecordOutgoing, [at.Ticks, Conversation.Shorten(text), conversationId]));

    public void ClearKeepAliveOf(int conversationId) => _queued.Add((ClearKeepAlive, [conversationId]));

    public void ResolveConversation(int conversationId, DateTime at) => _queued.Add((Resolve, [at.Ticks, conversationId]));

    /// <summary>Writes what was queued, in order, inside the unit's transaction, and returns the inserted messages' ids.</summary>
    public async Task<IReadOnlyList<long>> FlushAsync(CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        if (_queued.Count == 0)
        {
            return ids;
        }

        if (connection.CanCreateBatch)
        {
            await using var batch = PreparedSql.Batch(connection, transaction, _queued);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(PreparedSql.Int64(reader.GetValue(0)));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        else
        {
            var commands = new Dictionary<string, DbCommand>();
            try
            {
                foreach (var (sql, values) in _queued)
                {
                    if (!commands.TryGetValue(sql, out var command))
                    {
                        commands[sql] = command = PreparedSql.Prepare(connection, transaction, sql);
                    }

                    PreparedSql.Bind(command, values);
                    if (ReferenceEquals(sql, InsertMessage))
                    {
                        ids.Add(PreparedSql.Int64(await command.ExecuteScalarAsync(cancellationToken)));
                    }
                    else
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            }
            finally
            {
                foreach (var command in commands.Values)
                {
                    await command.DisposeAsync();
                }
            }
        }

        _queued.Clear();
        return ids;
    }
}
