using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// A batch of automatic assignments written without EF's change tracker: one command of two multi-row statements, the
/// conversations' assignees and their activity lines, in the unit's transaction. Through the change tracker a batch of 50
/// took 45–120 ms of its commit (100 single-row statements and their bookkeeping); this is one round trip on PostgreSQL
/// and two statements on SQLite. The same SQL runs on both engines (<see cref="PreparedSql"/>'s <c>$name</c> form).
/// </summary>
/// <remarks>Rows written here must equal what the change tracker saved for <see cref="Conversation.Assign(string?)"/> on a waiting
/// conversation and <see cref="Message.Activity(Conversation, ActivityData, DateTime)"/> with <see cref="ActivityText.AutoAssigned"/>
/// (enums as integers, times as UTC ticks, the data as <see cref="JsonDefaults.Compact"/> JSON); the assignment tests compare
/// the two.</remarks>
internal static class AutoAssignRows
{
    /// <summary>One decision: the waiting conversation and the agent it goes to.</summary>
    public sealed record Assignment(int ConversationId, int ChannelId, string AgentId, string AgentName);

    /// <summary>
    /// Writes the assignments and returns their events for after the commit (the conversations' <see cref="ConversationChanged"/>,
    /// then the lines' <see cref="MessageAdded"/>, as the change tracker's save gave them). The update re-checks that each
    /// conversation still waits (open, nobody assigned): the caller holds it locked, so a difference is a broken lock, and
    /// the unit is refused instead of assigning a conversation twice.
    /// </summary>
    public static async Task<IReadOnlyList<InboxEvent>> WriteAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<Assignment> assignments, DateTime at, CancellationToken cancellationToken)
    {
        if (assignments.Count == 0)
        {
            return [];
        }

        var open = (int)ConversationStatus.Open;
        var cases = new StringBuilder();
        var ids = new StringBuilder();
        var rows = new StringBuilder();
        // The names are the agents': a few distinct lines per batch, each serialised once.
        var lines = new Dictionary<string, (ActivityData Data, string Content, string Json)>(StringComparer.Ordinal);
        for (var i = 0; i < assignments.Count; i++)
        {
            var (conversationId, channelId, agentId, agentName) = assignments[i];
            if (!lines.ContainsKey(agentName))
            {
                var data = ActivityText.AutoAssigned(agentName);
                lines[agentName] = (data, ActivityText.Portuguese(data), JsonSerializer.Serialize(data, JsonDefaults.Compact));
            }

            var n = i.ToString(CultureInfo.InvariantCulture);
            cases.Append(" WHEN $c").Append(n).Append(" THEN $a").Append(n);
            ids.Append(i == 0 ? "$c" : ", $c").Append(n);
            rows.Append(i == 0 ? "\n" : ",\n").Append("($c").Append(n).Append(", $h").Append(n).Append(", ")
                .Append((int)MessageDirection.Outgoing).Append(", ").Append((int)MessageKind.Activity).Append(", ")
                .Append((int)SenderType.System).Append(", $t").Append(n).Append(", ").Append((int)DeliveryStatus.None)
                .Append(", 0, $at, $d").Append(n).Append(')');
        }

        // The text depends only on the batch's size: PostgreSQL's automatic preparation (MaxAutoPrepare) knows a full batch's
        // statements again from batch to batch; SQLite compiles them each time, which costs less than a round trip would.
        var sql = $"""
            UPDATE "Conversations" SET "AssigneeId" = CASE "Id"{cases} END
            WHERE "Id" IN ({ids}) AND "AssigneeId" IS NULL AND "Status" = {open}
            RETURNING "Id";
            INSERT INTO "Messages" ("ConversationId", "ChannelId", "Direction", "Kind", "SenderType", "Content",
                "DeliveryStatus", "DeliveryAttempts", "CreatedAt", "ActivityData")
            VALUES {rows}
            RETURNING "ConversationId", "Id";
            """;
        await using var command = PreparedSql.Prepare(connection, transaction, sql);
        for (var i = 0; i < assignments.Count; i++)
        {
            var (conversationId, channelId, agentId, agentName) = assignments[i];
            var n = i.ToString(CultureInfo.InvariantCulture);
            var line = lines[agentName];
            PreparedSql.Parameter(command, "c" + n).Value = conversationId;
            PreparedSql.Parameter(command, "a" + n).Value = agentId;
            PreparedSql.Parameter(command, "h" + n).Value = channelId;
            PreparedSql.Parameter(command, "t" + n).Value = line.Content;
            PreparedSql.Parameter(command, "d" + n).Value = line.Json;
        }

        PreparedSql.Parameter(command, "at").Value = at.Ticks;

        var updated = 0;
        var messageIds = new Dictionary<int, long>(assignments.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                updated++;
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                messageIds[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = PreparedSql.Int64(reader.GetValue(1));
            }
        }

        if (updated != assignments.Count || messageIds.Count != assignments.Count)
        {
            throw new InvalidOperationException(
                $"Automatic assignment: {updated} of {assignments.Count} conversations were still waiting under their locks.");
        }

        var events = new List<InboxEvent>(assignments.Count * 2);
        events.AddRange(assignments.Select(a => new ConversationChanged(a.ConversationId, a.ChannelId, ConversationStatus.Open, a.AgentId)));
        events.AddRange(assignments.Select(a => new MessageAdded(a.ConversationId, a.ChannelId, messageIds[a.ConversationId])
        {
            Activity = lines[a.AgentName].Data,
        }));
        return events;
    }
}
