using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Core.Channels;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

/// <summary>
/// Issue 15 item 3, "set per channel or per group": a channel group's mode, saved through the group's own service, is in
/// force on every channel of the group over the channel's own choice; "Cada canal decide", taking the channel out of the
/// group or deleting the group gives the channel its own choice back. And the batches: one unit of work shares out many
/// conversations, so the load it counts once must follow each decision (capacity, least busy, round-robin across batches).
/// </summary>
public sealed class AutoAssignGroupModeTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin", "Admin", IsAdmin: true);
    private readonly InboxEventHub _hub = new(NullLogger<InboxEventHub>.Instance);
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly AutoAssignSignal _signal = new();
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private AutoAssigner NewAssigner() =>
        new(_db.Factory, _db.Units(_hub), _signal, _clock, Options.Create(new AutoAssignOptions()));

    private ChannelGroupService Groups() => new(_db.Factory, _db.Units(_hub), assignModes: _signal);

    private async Task AgentsAsync(int? capacity, params string[] ids)
    {
        await using var db = _db.NewContext();
        foreach (var id in ids)
        {
            db.Users.Add(new AppUser
            {
                Id = id, UserName = $"{id}@x", Email = $"{id}@x", DisplayName = id, Status = AgentStatus.Available, StatusChosen = true,
                MaxOpenConversations = capacity, CreatedAt = TestData.Now,
            });
        }

        await db.SaveChangesAsync();
    }

    private async Task<int> ChannelAsync(string name)
    {
        await using var db = _db.NewContext();
        return (await db.AddChannelAsync(name)).Id;
    }

    private async Task<int[]> ConversationsAsync(int channelId, int count, int minute = 0)
    {
        await using var db = _db.NewContext();
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
        var ids = new List<int>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await db.AddConversationAsync(channel, $"Cliente {minute + i}", TestData.Now.AddMinutes(-1000 + minute + i))).Id);
        }

        return [.. ids];
    }

    private async Task<string[]> AssigneesAsync(IEnumerable<int> ids)
    {
        await using var db = _db.NewContext();
        var rows = await db.Conversations.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.AssigneeId);
        return ids.Select(id => rows[id] ?? "").ToArray();
    }

    [Fact]
    public async Task GroupMode_AssignsItsChannels_OverTheirOwnChoice_AndGivesThatChoiceBack()
    {
        await AgentsAsync(null, "ana", "bruno");
        var loja = await ChannelAsync("Loja");
        var outro = await ChannelAsync("Outro");
        var assigner = NewAssigner();
        // Loja's own choice: off. Outro is not in the group and stays off.
        await assigner.SetModeAsync(Admin, loja, AutoAssignMode.Off);
        var modesChanged = 0;
        _signal.ModesChanged += () => modesChanged++;

        var group = await Groups().CreateAsync(ChannelGroupServiceTests.Admin,
            new ChannelGroupInput("Vendas", null, [loja], AssignMode: GroupAssignMode.RoundRobin));
        Assert.True(group.Succeeded);
        Assert.Equal(GroupAssignMode.RoundRobin, group.Value!.AssignMode);
        Assert.Equal(1, modesChanged);

        var settings = await assigner.SettingsAsync(loja);
        Assert.Equal(AutoAssignMode.RoundRobin, settings.Mode);
        Assert.Equal(AutoAssignMode.Off, settings.ChannelMode);
        Assert.Equal("Vendas", settings.Group?.Name);
        Assert.Null((await assigner.SettingsAsync(outro)).Group);

        var ids = await ConversationsAsync(loja, 3);
        var other = await ConversationsAsync(outro, 1, minute: 10);
        Assert.Equal(3, await assigner.AssignQueuedAsync());
        Assert.Equal(["ana", "bruno", "ana"], await AssigneesAsync(ids));
        Assert.Equal([""], await AssigneesAsync(other));

        // Back to each channel's choice: Loja is off again, and its new conversations wait for an agent.
        Assert.True((await Groups().UpdateAsync(ChannelGroupServiceTests.Admin, group.Value.Id,
            new ChannelGroupInput("Vendas", null, [loja], AssignMode: GroupAssignMode.ChannelDecides))).Succeeded);
        var later = await ConversationsAsync(loja, 1, minute: 20);
        Assert.Equal(0, await assigner.AssignQueuedAsync());
        Assert.Equal([""], await AssigneesAsync(later));
        var back = await assigner.SettingsAsync(loja);
        Assert.Equal(AutoAssignMode.Off, back.Mode);
        Assert.Null(back.Group);
    }

    [Fact]
    public async Task ChannelLeavingTheGroup_OrTheGroupDeleted_HasItsOwnModeBack_AndTheFirstGroupByIdWins()
    {
        await AgentsAsync(null, "ana", "bruno");
        var loja = await ChannelAsync("Loja");
        var suporte = await ChannelAsync("Suporte");
        var assigner = NewAssigner();
        await assigner.SetModeAsync(Admin, suporte, AutoAssignMode.LeastBusy);

        var first = await Groups().CreateAsync(ChannelGroupServiceTests.Admin,
            new ChannelGroupInput("Primeiro", null, [loja, suporte], AssignMode: GroupAssignMode.Off));
        var second = await Groups().CreateAsync(ChannelGroupServiceTests.Admin,
            new ChannelGroupInput("Segundo", null, [loja], AssignMode: GroupAssignMode.RoundRobin));
        // Loja is in both: the first group by id decides (off), and so it is for Suporte, over its own "least busy".
        Assert.Equal(AutoAssignMode.Off, (await assigner.SettingsAsync(loja)).Mode);
        Assert.Equal("Primeiro", (await assigner.SettingsAsync(loja)).Group?.Name);
        Assert.Equal(AutoAssignMode.Off, (await assigner.SettingsAsync(suporte)).Mode);

        // Suporte leaves the first group: its own choice is back. Loja is left in the second group only.
        Assert.True((await Groups().UpdateAsync(ChannelGroupServiceTests.Admin, first.Value!.Id,
            new ChannelGroupInput("Primeiro", null, []))).Succeeded);
        Assert.Equal(AutoAssignMode.LeastBusy, (await assigner.SettingsAsync(suporte)).Mode);
        Assert.Equal(AutoAssignMode.RoundRobin, (await assigner.SettingsAsync(loja)).Mode);
        Assert.Equal("Segundo", (await assigner.SettingsAsync(loja)).Group?.Name);

        // The second group goes: Loja never had a choice of its own, so nothing is assigned there any more.
        Assert.True(await Groups().DeleteAsync(ChannelGroupServiceTests.Admin, second.Value!.Id));
        var waiting = await ConversationsAsync(loja, 2);
        Assert.Equal(0, await assigner.AssignQueuedAsync());
        Assert.Equal(["", ""], await AssigneesAsync(waiting));
        Assert.Equal(AutoAssignMode.Off, (await assigner.SettingsAsync(loja)).Mode);
    }

    [Fact]
    public async Task ChannelsOwnChoice_WhileAGroupDecides_IsKeptForLater_NotPutInForce()
    {
        await AgentsAsync(null, "ana");
        var loja = await ChannelAsync("Loja");
        var assigner = NewAssigner();
        var group = await Groups().CreateAsync(ChannelGroupServiceTests.Admin,
            new ChannelGroupInput("Vendas", null, [loja], AssignMode: GroupAssignMode.Off));

        await assigner.SetModeAsync(Admin, loja, AutoAssignMode.RoundRobin);
        var ids = await ConversationsAsync(loja, 1);
        Assert.Equal(0, await assigner.AssignQueuedAsync());
        Assert.Equal((AutoAssignMode.Off, AutoAssignMode.RoundRobin), ((await assigner.SettingsAsync(loja)).Mode, (await assigner.SettingsAsync(loja)).ChannelMode));

        // The API leaves the mode as it is when it sends none.
        Assert.True((await Groups().UpdateAsync(ChannelGroupServiceTests.Admin, group.Value!.Id, new ChannelGroupInput("Vendas 2", null, [loja]))).Succeeded);
        Assert.Equal(GroupAssignMode.Off, (await Groups().GetAsync(group.Value.Id))!.AssignMode);

        Assert.True((await Groups().UpdateAsync(ChannelGroupServiceTests.Admin, group.Value.Id,
            new ChannelGroupInput("Vendas", null, [loja], AssignMode: GroupAssignMode.ChannelDecides))).Succeeded);
        Assert.Equal(1, await assigner.AssignQueuedAsync());
        Assert.Equal(["ana"], await AssigneesAsync(ids));
    }

    [Fact]
    public async Task InvalidGroupMode_IsAFieldError_AndChangesNothing()
    {
        var loja = await ChannelAsync("Loja");
        var result = await Groups().CreateAsync(ChannelGroupServiceTests.Admin,
            new ChannelGroupInput("Vendas", null, [loja], AssignMode: (GroupAssignMode)9));

        Assert.False(result.Succeeded);
        Assert.True(result.Errors.ContainsKey("AssignMode"));
        Assert.Empty(await Groups().ListAsync());
    }

    [Fact]
    public async Task ManyMoreThanABatch_CapacityHoldsWithinEachBatch_AndRoundRobinContinuesAcrossBatches()
    {
        // 3 agents of capacity 30 and 120 waiting (more than two batches): 90 assigned, 30 each, in strict turn, the
        // 30 youngest still waiting; the load counted once per batch follows every decision in it.
        await AgentsAsync(30, "ana", "bruno", "carla");
        var loja = await ChannelAsync("Loja");
        var assigner = NewAssigner();
        await assigner.SetModeAsync(Admin, loja, AutoAssignMode.RoundRobin);
        var ids = await ConversationsAsync(loja, 120);

        Assert.Equal(90, await assigner.AssignQueuedAsync());

        var assignees = await AssigneesAsync(ids);
        string[] turn = ["ana", "bruno", "carla"];
        Assert.Equal(Enumerable.Range(0, 90).Select(i => turn[i % 3]), assignees.Take(90));
        Assert.All(assignees.Skip(90), a => Assert.Equal("", a));
        Assert.Equal(30, (await assigner.SettingsAsync(loja)).Waiting);
        await using var db = _db.NewContext();
        Assert.Equal(90, await db.Messages.CountAsync(m => m.Kind == MessageKind.Activity));
    }

    [Fact]
    public async Task LeastBusy_WithinOneBatch_EvensOutTheLoadItStartedWith()
    {
        // Ana starts with 6 open, Bruno with none: the first 6 of the batch go to Bruno, then they take turns.
        await AgentsAsync(null, "ana", "bruno");
        var loja = await ChannelAsync("Loja");
        var assigner = NewAssigner();
        var held = await ConversationsAsync(loja, 6);
        await using (var db = _db.NewContext())
        {
            await db.Conversations.Where(c => held.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.AssigneeId, "ana"));
        }

        await assigner.SetModeAsync(Admin, loja, AutoAssignMode.LeastBusy);
        var ids = await ConversationsAsync(loja, 10, minute: 100);

        Assert.Equal(10, await assigner.AssignQueuedAsync());

        var assignees = await AssigneesAsync(ids);
        Assert.Equal(Enumerable.Repeat("bruno", 6), assignees.Take(6));
        Assert.Equal(2, assignees.Skip(6).Count(a => a == "ana"));
        Assert.Equal(2, assignees.Skip(6).Count(a => a == "bruno"));
    }
}
