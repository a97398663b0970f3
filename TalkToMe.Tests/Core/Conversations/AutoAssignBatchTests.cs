using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Core.Reports;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

/// <summary>
/// A batch of automatic assignments is written in plain SQL (conversations, activity lines, report states), not through
/// EF's change tracker: the same story through both paths, every row compared, the events compared, and the rollups kept
/// by the batch equal to a recount from the messages.
/// </summary>
public sealed class AutoAssignBatchTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly InboxEventHub _hub = new(NullLogger<InboxEventHub>.Instance);
    private static readonly Actor Admin = new("admin", "Admin", IsAdmin: true);

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private AutoAssigner NewAssigner() =>
        new(_db.Factory, _db.Units(_hub), new AutoAssignSignal(), _clock, Options.Create(new AutoAssignOptions()));

    private async Task AddAgentAsync(string id, string name)
    {
        await using var db = _db.NewContext();
        db.Users.Add(new AppUser
        {
            Id = id, UserName = $"{id}@example.com", Email = $"{id}@example.com", DisplayName = name, Status = AgentStatus.Available,
            StatusChosen = true, CreatedAt = TestData.Now,
        });
        await db.SaveChangesAsync();
    }

    private async Task<int> ChannelAsync(AutoAssignMode mode, string name)
    {
        int id;
        await using (var db = _db.NewContext())
        {
            id = (await db.AddChannelAsync(name)).Id;
        }

        await NewAssigner().SetModeAsync(Admin, id, mode);
        return id;
    }

    private async Task<int[]> ConversationsAsync(int channelId, int count, int startMinute)
    {
        var ids = new List<int>();
        await using var db = _db.NewContext();
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
        for (var i = 0; i < count; i++)
        {
            ids.Add((await db.AddConversationAsync(channel, $"Cliente {startMinute + i}", TestData.Now.AddMinutes(-100 + startMinute + i))).Id);
        }

        return [.. ids];
    }

    /// <summary>Every column of the rows, as the database holds them (as text: PostgreSQL's search vector is an object), without
    /// the ones named.</summary>
    private async Task<List<Dictionary<string, object?>>> RowsAsync(string table, string key, IEnumerable<long> ids, params string[] without)
    {
        await using var db = _db.NewContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var rows = new List<Dictionary<string, object?>>();
        foreach (var id in ids)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""SELECT * FROM "{table}" WHERE "{key}" = {id}""";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(Enumerable.Range(0, reader.FieldCount).Where(i => !without.Contains(reader.GetName(i)))
                    .ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : (object?)Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)));
            }
        }

        return rows;
    }

    private static Dictionary<string, object?> Changed(Dictionary<string, object?> before, Dictionary<string, object?> after) =>
        after.Where(c => !Equals(c.Value, before[c.Key])).ToDictionary(c => c.Key, c => c.Value);

    [Fact]
    public async Task Batch_RowsAndEvents_EqualWhatTheChangeTrackerSaves()
    {
        await AddAgentAsync("agent-a", "Ana");
        var manual = await ChannelAsync(AutoAssignMode.Off, "Manual");
        var channel = await ChannelAsync(AutoAssignMode.RoundRobin, "Loja");
        var byTracker = (await ConversationsAsync(manual, 1, startMinute: 0))[0];
        var ids = await ConversationsAsync(channel, 3, startMinute: 10);
        var conversationsBefore = await RowsAsync("Conversations", "Id", ids.Append(byTracker).Select(i => (long)i));
        var events = new List<InboxEvent>();
        using var listening = _hub.Subscribe(events.Add);

        // The tracker's path: what the assigner saved before it wrote in SQL (Conversation.AutoAssign was Assign on a
        // waiting conversation, plus the activity line).
        await _db.Units(_hub).InTransactionAsync(async unit =>
        {
            var conversation = await unit.Db.Conversations.SingleAsync(c => c.Id == byTracker);
            conversation.Assign("agent-a");
            unit.Db.Messages.Add(Message.Activity(conversation, ActivityText.AutoAssigned("Ana"), _clock.GetUtcNow().UtcDateTime));
        });
        var trackerEvents = events.ToList();
        events.Clear();

        Assert.Equal(3, await NewAssigner().AssignQueuedAsync());

        var conversationsAfter = await RowsAsync("Conversations", "Id", ids.Append(byTracker).Select(i => (long)i));
        for (var i = 0; i < conversationsAfter.Count; i++)
        {
            Assert.Equal(new Dictionary<string, object?> { ["AssigneeId"] = "agent-a" }, Changed(conversationsBefore[i], conversationsAfter[i]));
        }

        await using var db = _db.NewContext();
        var lines = await db.Messages.AsNoTracking().Where(m => m.Kind == MessageKind.Activity)
            .Select(m => new { m.Id, m.ConversationId, m.ChannelId }).ToListAsync();
        var trackerLine = lines.Single(l => l.ConversationId == byTracker);
        var expected = (await RowsAsync("Messages", "Id", [trackerLine.Id], "Id", "ConversationId", "ChannelId")).Single();
        foreach (var id in ids)
        {
            var line = lines.Single(l => l.ConversationId == id);
            Assert.Equal(channel, line.ChannelId);
            Assert.Equal(expected, (await RowsAsync("Messages", "Id", [line.Id], "Id", "ConversationId", "ChannelId")).Single());
            Assert.Equal("Atribuída automaticamente a Ana", (await db.Messages.AsNoTracking().SingleAsync(m => m.Id == line.Id)).Content);
        }

        // The same events, in the same order (the conversations' changes, then the lines), as the tracker's unit published.
        static string Describe(InboxEvent e) => e switch
        {
            ConversationChanged c => $"changed {c.Status} {c.AssigneeId}",
            MessageAdded m => $"added {m.Activity}",
            _ => e.GetType().Name,
        };
        Assert.Equal(trackerEvents.Select(Describe).Distinct(), events.Select(Describe).Distinct());
        Assert.Equal(
            ids.Select(id => $"changed {id} {channel}").Concat(ids.Select(id => $"added {id} {channel} {lines.Single(l => l.ConversationId == id).Id}")),
            events.Select(e => e switch
            {
                ConversationChanged c => $"changed {c.ConversationId} {c.ChannelId}",
                MessageAdded m => $"added {m.ConversationId} {m.ChannelId} {m.MessageId}",
                _ => e.GetType().Name,
            }));
    }

    [Fact]
    public async Task Batch_RollupsAndReportStates_EqualARebuildFromTheMessages()
    {
        await AddAgentAsync("agent-a", "Ana");
        await AddAgentAsync("agent-b", "Bruno");
        var channel = await ChannelAsync(AutoAssignMode.LeastBusy, "Loja");
        var counted = await ConversationsAsync(channel, 30, startMinute: 0);
        // Half the conversations already have report states (counted by an earlier unit), half get their first with the batch.
        await ReportRollups.RebuildAsync(_db.Units());
        var uncounted = await ConversationsAsync(channel, 40, startMinute: 30);
        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(70, await NewAssigner().AssignQueuedAsync());

        var kept = await ReportRowsAsync();
        await ReportRollups.RebuildAsync(_db.Units());
        var rebuilt = await ReportRowsAsync();
        Assert.Equal(70, kept.States.Count);
        Assert.Equal(rebuilt.States, kept.States);
        Assert.Equal(rebuilt.Counts, kept.Counts);
        Assert.NotEmpty(kept.Counts);
        Assert.Equal(70, counted.Length + uncounted.Length);
    }

    private async Task<(List<string> States, List<string> Counts)> ReportRowsAsync()
    {
        await using var db = _db.NewContext();
        var states = (await db.Set<ConversationReportState>().AsNoTracking().ToListAsync())
            .Select(s => $"{s.ConversationId} {s.ChannelId} {s.LastMessageId} {s.IsResolved} {s.EpisodeStartedAt:O} {s.FirstCustomerMessageAt:O} "
                + $"{s.AgentResponded} {s.BotResponded} {s.LastAgentId} {s.AgentReplies}")
            .Order(StringComparer.Ordinal).ToList();
        var counts = (await db.ReportCounts.AsNoTracking().ToListAsync())
            .Select(r => $"{r.Grain} {r.Day} {r.ChannelId} {r.AgentId} {r.Metric} {r.Bucket}: {r.Count} {r.Sum}")
            .Order(StringComparer.Ordinal).ToList();
        return (states, counts);
    }
}
