using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

/// <summary>
/// Issue 15 item 3: automatic assignment per channel (round-robin, least busy) under each agent's capacity, with the fake
/// clock: the queue waits oldest first and drains when a slot frees or an agent comes online, a conversation whose assignee
/// went Offline returns to the queue after the configured time, and on PostgreSQL two assigners working at once never assign
/// one conversation twice nor fill an agent past capacity.
/// </summary>
public sealed class AutoAssignerTests : IAsyncLifetime
{
    private static readonly TimeSpan ReturnAfter = TimeSpan.FromMinutes(10);

    private TestDatabase _db = null!;
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly InboxEventHub _hub = new(NullLogger<InboxEventHub>.Instance);

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private AutoAssigner NewAssigner(TestDatabase? database = null) =>
        new((database ?? _db).Factory, (database ?? _db).Units(_hub), new AutoAssignSignal(), _clock,
            Options.Create(new AutoAssignOptions { ReturnAfterOffline = ReturnAfter }));

    private AgentPresence NewPresence() =>
        new(_db.Factory, _db.Units(_hub), new AgentStatusSignal(), _clock, Options.Create(new PresenceOptions()));

    private static readonly Actor Admin = new("admin", "Admin", IsAdmin: true);

    private static async Task AddAgentAsync(TestDatabase database, string id, string name, int? capacity = null,
        AgentStatus status = AgentStatus.Available, bool deactivated = false)
    {
        await using var db = database.NewContext();
        db.Users.Add(new AppUser
        {
            Id = id, UserName = $"{id}@example.com", Email = $"{id}@example.com", DisplayName = name, Status = status,
            StatusChosen = true, MaxOpenConversations = capacity, IsDeactivated = deactivated, CreatedAt = TestData.Now,
        });
        await db.SaveChangesAsync();
    }

    private static async Task<int> ChannelAsync(TestDatabase database, AutoAssignMode mode, string name = "Loja")
    {
        int id;
        await using (var db = database.NewContext())
        {
            id = (await db.AddChannelAsync(name)).Id;
        }

        await new AutoAssigner(database.Factory, database.Units(), new AutoAssignSignal(), TimeProvider.System,
            Options.Create(new AutoAssignOptions())).SetModeAsync(Admin, id, mode);
        return id;
    }

    /// <summary>Conversations created a minute apart, in the order given: the queue's order.</summary>
    private static async Task<int[]> ConversationsAsync(TestDatabase database, int channelId, int count, int startMinute = 0)
    {
        var ids = new List<int>();
        await using var db = database.NewContext();
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
        for (var i = 0; i < count; i++)
        {
            ids.Add((await db.AddConversationAsync(channel, $"Cliente {startMinute + i}", TestData.Now.AddMinutes(-100 + startMinute + i))).Id);
        }

        return [.. ids];
    }

    /// <summary>Each conversation's assignee, "" when it waits.</summary>
    private static async Task<string[]> AssigneesAsync(TestDatabase database, IEnumerable<int> ids)
    {
        await using var db = database.NewContext();
        var rows = await db.Conversations.AsNoTracking().Select(c => new { c.Id, c.AssigneeId }).ToListAsync();
        return ids.Select(id => rows.Single(r => r.Id == id).AssigneeId ?? "").ToArray();
    }

    private static async Task<List<string>> ActivityAsync(TestDatabase database, int conversationId)
    {
        await using var db = database.NewContext();
        return await db.Messages.AsNoTracking().Where(m => m.ConversationId == conversationId && m.Kind == MessageKind.Activity)
            .OrderBy(m => m.Id).Select(m => m.Content).ToListAsync();
    }

    [Fact]
    public async Task RoundRobin_GivesEachAgentOneInTurn_AndTheTurnSurvivesANewAssigner()
    {
        await AddAgentAsync(_db, "agent-a", "Ana");
        await AddAgentAsync(_db, "agent-b", "Bruno");
        await AddAgentAsync(_db, "agent-c", "Carla");
        await AddAgentAsync(_db, "agent-d", "Davi", status: AgentStatus.Busy);
        await AddAgentAsync(_db, "agent-e", "Eva", deactivated: true);
        var channel = await ChannelAsync(_db, AutoAssignMode.RoundRobin);
        var ids = await ConversationsAsync(_db, channel, 4);

        Assert.Equal(4, await NewAssigner().AssignQueuedAsync());
        var more = await ConversationsAsync(_db, channel, 2, startMinute: 10);
        // A new assigner (a restart, another node) continues from the channel's cursor in the database.
        Assert.Equal(2, await NewAssigner().AssignQueuedAsync());

        Assert.Equal(["agent-a", "agent-b", "agent-c", "agent-a", "agent-b", "agent-c"], await AssigneesAsync(_db, ids.Concat(more)));
        Assert.Equal(["Atribuída automaticamente a Ana"], await ActivityAsync(_db, ids[0]));
    }

    [Fact]
    public async Task Service_MoreWaitingThanOnePass_AssignsThemAllAtOnce_NotAfterTheIdleLook()
    {
        await AddAgentAsync(_db, "ana", "Ana");
        var channel = await ChannelAsync(_db, AutoAssignMode.RoundRobin);
        var ids = await ConversationsAsync(_db, channel, AutoAssigner.MaxPerPass + 3);
        var signal = new AutoAssignSignal();
        var assigner = new AutoAssigner(_db.Factory, _db.Units(_hub), signal, _clock, Options.Create(new AutoAssignOptions()));
        using var service = new AutoAssignService(assigner, signal, _hub, new AgentStatusSignal(), _clock, NullLogger<AutoAssignService>.Instance);

        // The fake clock stands still: a worker that waited for its idle look (MaxIdle) after the first full pass would leave
        // the last three waiting for ever.
        await service.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while ((await AssigneesAsync(_db, ids)).Any(a => a.Length == 0) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.All(await AssigneesAsync(_db, ids), a => Assert.Equal("ana", a));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ChannelOff_NothingIsAssigned()
    {
        await AddAgentAsync(_db, "agent-a", "Ana");
        var channel = await ChannelAsync(_db, AutoAssignMode.Off);
        var ids = await ConversationsAsync(_db, channel, 2);

        Assert.Equal(0, await NewAssigner().AssignQueuedAsync());
        Assert.All(await AssigneesAsync(_db, ids), Assert.Empty);
    }

    [Fact]
    public async Task LeastBusy_GoesToTheFewestOpen_AndTiesTakeTurns()
    {
        await AddAgentAsync(_db, "agent-a", "Ana");
        await AddAgentAsync(_db, "agent-b", "Bruno");
        await AddAgentAsync(_db, "agent-c", "Carla");
        var manual = await ChannelAsync(_db, AutoAssignMode.Off, "Manual");
        var commands = new ConversationCommands(_db.Units(_hub), new TalkToMe.Core.Flows.NoConversationFlows(), _clock);
        foreach (var id in await ConversationsAsync(_db, manual, 2))
        {
            await commands.AssignAsync(id, Admin, "agent-a");
        }

        var channel = await ChannelAsync(_db, AutoAssignMode.LeastBusy);
        var ids = await ConversationsAsync(_db, channel, 4, startMinute: 10);

        Assert.Equal(4, await NewAssigner().AssignQueuedAsync());

        // Open before: Ana 2, Bruno 0, Carla 0. Bruno and Carla tie (Bruno first), then Carla has fewest, then Bruno and
        // Carla tie at 1 and the turn moves on past Carla to Bruno, then Carla (Ana's 2 equals Bruno's 2: Carla is the one at 1).
        Assert.Equal(["agent-b", "agent-c", "agent-b", "agent-c"], await AssigneesAsync(_db, ids));
        var fifth = await ConversationsAsync(_db, channel, 1, startMinute: 20);
        Assert.Equal(1, await NewAssigner().AssignQueuedAsync());
        // Everyone at 2: the tie goes to whoever follows the last one (Carla) in turn, wrapping to Ana.
        Assert.Equal(["agent-a"], await AssigneesAsync(_db, fifth));
    }

    [Fact]
    public async Task Capacity_FullAgentsLeaveTheQueueWaiting_ItDrainsOldestFirstWhenASlotFreesOrAnAgentComesOnline()
    {
        await AddAgentAsync(_db, "agent-a", "Ana", capacity: 1);
        await AddAgentAsync(_db, "agent-b", "Bruno", capacity: 1);
        await AddAgentAsync(_db, "agent-c", "Carla", capacity: 2, status: AgentStatus.Offline);
        await using (var db = _db.NewContext())
        {
            // Carla went Offline by herself (no page open): opening a page brings her back.
            var carla = await db.Users.SingleAsync(u => u.Id == "agent-c");
            carla.StatusChosen = false;
            await db.SaveChangesAsync();
        }

        var channel = await ChannelAsync(_db, AutoAssignMode.RoundRobin);
        var ids = await ConversationsAsync(_db, channel, 5);
        var assigner = NewAssigner();

        Assert.Equal(2, await assigner.AssignQueuedAsync());
        Assert.Equal(["agent-a", "agent-b", "", "", ""], await AssigneesAsync(_db, ids));
        var settings = await assigner.SettingsAsync(channel);
        Assert.Equal(3, settings.Waiting);
        Assert.Equal(ids[2..], settings.Oldest.Select(q => q.Id));

        // Ana resolves hers: her slot goes to the oldest waiting conversation, the others keep waiting.
        var commands = new ConversationCommands(_db.Units(_hub), new TalkToMe.Core.Flows.NoConversationFlows(), _clock);
        await commands.ResolveAsync(ids[0], new Actor("agent-a", "Ana"));
        Assert.Equal(1, await assigner.AssignQueuedAsync());
        Assert.Equal(["agent-a", "agent-b", "agent-a", "", ""], await AssigneesAsync(_db, ids));

        // Carla opens a page: available again, and she takes the two oldest still waiting (her capacity).
        await NewPresence().PageOpenedAsync("agent-c");
        Assert.Equal(2, await assigner.AssignQueuedAsync());
        Assert.Equal(["agent-a", "agent-b", "agent-a", "agent-c", "agent-c"], await AssigneesAsync(_db, ids));
        Assert.Equal(0, (await assigner.SettingsAsync(channel)).Waiting);
    }

    [Fact]
    public async Task AssigneeOffline_ConversationReturnsToTheQueueAfterTheConfiguredTime_AndGoesToSomeoneAvailable()
    {
        await AddAgentAsync(_db, "agent-a", "Ana");
        var channel = await ChannelAsync(_db, AutoAssignMode.RoundRobin);
        var ids = await ConversationsAsync(_db, channel, 1);
        var assigner = NewAssigner();
        Assert.Equal(1, await assigner.AssignQueuedAsync());

        var presence = NewPresence();
        await presence.ChooseAsync("agent-a", AgentStatus.Offline);
        Assert.Equal(TestData.Now + ReturnAfter, await assigner.NextReturnAsync());
        _clock.Advance(ReturnAfter - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await assigner.ReturnFromOfflineAsync());
        Assert.Equal(["agent-a"], await AssigneesAsync(_db, ids));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await assigner.ReturnFromOfflineAsync());
        Assert.Equal([""], await AssigneesAsync(_db, ids));
        Assert.Contains("Devolvida à fila: Ana está offline", await ActivityAsync(_db, ids[0]));
        // Nobody available: it waits.
        Assert.Equal(0, await assigner.AssignQueuedAsync());

        await AddAgentAsync(_db, "agent-b", "Bruno");
        Assert.Equal(1, await assigner.AssignQueuedAsync());
        Assert.Equal(["agent-b"], await AssigneesAsync(_db, ids));
    }

    [Fact]
    public async Task AssigneeBackBeforeTheTime_KeepsTheConversation()
    {
        await AddAgentAsync(_db, "agent-a", "Ana");
        var channel = await ChannelAsync(_db, AutoAssignMode.LeastBusy);
        var ids = await ConversationsAsync(_db, channel, 1);
        var assigner = NewAssigner();
        await assigner.AssignQueuedAsync();
        var presence = NewPresence();
        await presence.ChooseAsync("agent-a", AgentStatus.Offline);
        _clock.Advance(ReturnAfter / 2);
        await presence.ChooseAsync("agent-a", AgentStatus.Available);
        _clock.Advance(ReturnAfter);

        Assert.Equal(0, await assigner.ReturnFromOfflineAsync());
        Assert.Equal(["agent-a"], await AssigneesAsync(_db, ids));
    }

    [Fact]
    public async Task PostgreSql_TwoAssignersAtOnce_NeverAssignAConversationTwiceNorPastCapacity()
    {
        await using var database = await TestDatabase.CreatePostgreSqlAsync();
        string[] agents = ["agent-a", "agent-b", "agent-c", "agent-d"];
        foreach (var agent in agents)
        {
            await AddAgentAsync(database, agent, agent, capacity: 5);
        }

        var count = 0;
        foreach (var (mode, name) in new[] { (AutoAssignMode.RoundRobin, "Um"), (AutoAssignMode.RoundRobin, "Dois"), (AutoAssignMode.LeastBusy, "Três") })
        {
            await ConversationsAsync(database, await ChannelAsync(database, mode, name), 20, startMinute: count);
            count += 20;
        }

        var nodes = new[] { NewAssigner(database), NewAssigner(database), NewAssigner(database) };
        var done = await Task.WhenAll(nodes.Select(n => Task.Run(() => n.AssignQueuedAsync())));

        Assert.Equal(20, done.Sum());
        await using var db = database.NewContext();
        var open = await db.Conversations.Where(c => c.AssigneeId != null).GroupBy(c => c.AssigneeId!)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        Assert.Equal(agents, open.Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.All(open, o => Assert.Equal(5, o.Count));
        var lines = await db.Messages.Where(m => m.Kind == MessageKind.Activity).GroupBy(m => m.ConversationId)
            .Select(g => g.Count()).ToListAsync();
        Assert.Equal(20, lines.Count);
        Assert.All(lines, count => Assert.Equal(1, count));
        // Not asserted: strict oldest-first across nodes. A node skips the conversation another is deciding on (SKIP LOCKED)
        // and may assign the next one while the first finds everyone full; one assigner drains in order (tests above).
    }
}
