using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

/// <summary>
/// Issue 15 item 2, "Teams", in automatic assignment: when a channel's groups have agents only those agents receive its
/// conversations; an agent restricted to their groups' channels is never given one outside them; a channel whose groups have
/// no agents keeps going to every (unrestricted) agent, as before teams; and a channel whose team is full does not hold up
/// the other channels' queues.
/// </summary>
public sealed class AutoAssignTeamsTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin", "Admin", IsAdmin: true);
    private readonly InboxEventHub _hub = new(NullLogger<InboxEventHub>.Instance);
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private AutoAssigner NewAssigner() =>
        new(_db.Factory, _db.Units(_hub), new AutoAssignSignal(), _clock, Options.Create(new AutoAssignOptions()));

    private async Task AgentsAsync(params (string Id, bool Restricted, int? Capacity)[] agents)
    {
        await using var db = _db.NewContext();
        foreach (var (id, restricted, capacity) in agents)
        {
            db.Users.Add(new AppUser
            {
                Id = id, UserName = $"{id}@x", Email = $"{id}@x", DisplayName = id, Status = AgentStatus.Available, StatusChosen = true,
                RestrictedToGroups = restricted, MaxOpenConversations = capacity, CreatedAt = TestData.Now,
            });
        }

        await db.SaveChangesAsync();
    }

    private async Task<int> ChannelAsync(string name)
    {
        int id;
        await using (var db = _db.NewContext())
        {
            id = (await db.AddChannelAsync(name)).Id;
        }

        await NewAssigner().SetModeAsync(Admin, id, AutoAssignMode.RoundRobin);
        return id;
    }

    private async Task GroupAsync(string name, int[] channelIds, string[] agentIds)
    {
        await using var db = _db.NewContext();
        var group = new ChannelGroup(name, null);
        group.SetChannels(await db.Channels.Where(c => channelIds.Contains(c.Id)).ToListAsync());
        group.SetAgents(await db.Users.Where(u => agentIds.Contains(u.Id)).ToListAsync());
        db.ChannelGroups.Add(group);
        await db.SaveChangesAsync();
    }

    private async Task<int[]> ConversationsAsync(int channelId, int count, int minute)
    {
        await using var db = _db.NewContext();
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
        var ids = new List<int>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await db.AddConversationAsync(channel, $"Cliente {minute + i}", TestData.Now.AddMinutes(-100 + minute + i))).Id);
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
    public async Task ChannelWithATeam_GoesOnlyToItsAgents()
    {
        await AgentsAsync(("ana", false, null), ("bruno", false, null), ("carla", false, null));
        var loja = await ChannelAsync("Loja");
        await GroupAsync("Vendas", [loja], ["bruno", "carla"]);
        var ids = await ConversationsAsync(loja, 4, 0);

        Assert.Equal(4, await NewAssigner().AssignQueuedAsync());

        Assert.Equal(["bruno", "carla", "bruno", "carla"], await AssigneesAsync(ids));
    }

    [Fact]
    public async Task ChannelWithoutATeam_GoesToEveryUnrestrictedAgent_NeverToARestrictedOne()
    {
        await AgentsAsync(("ana", true, null), ("bruno", false, null), ("carla", false, null));
        var loja = await ChannelAsync("Loja");
        var suporte = await ChannelAsync("Suporte");
        // Ana answers Loja only; Suporte's groups (none) have no agents: as before teams, minus Ana.
        await GroupAsync("Vendas", [loja], ["ana"]);
        var ids = await ConversationsAsync(suporte, 3, 0);

        Assert.Equal(3, await NewAssigner().AssignQueuedAsync());

        Assert.Equal(["bruno", "carla", "bruno"], await AssigneesAsync(ids));
    }

    [Fact]
    public async Task GroupsWithoutAgents_KeepTheBehaviourBeforeTeams()
    {
        await AgentsAsync(("ana", false, null), ("bruno", false, null));
        var loja = await ChannelAsync("Loja");
        await GroupAsync("Vendas", [loja], []);
        var ids = await ConversationsAsync(loja, 3, 0);

        Assert.Equal(3, await NewAssigner().AssignQueuedAsync());

        Assert.Equal(["ana", "bruno", "ana"], await AssigneesAsync(ids));
    }

    [Fact]
    public async Task FullTeamOnOneChannel_DoesNotHoldUpAnotherChannelsQueue()
    {
        await AgentsAsync(("ana", true, 1), ("bruno", true, null));
        var loja = await ChannelAsync("Loja");
        var suporte = await ChannelAsync("Suporte");
        await GroupAsync("Vendas", [loja], ["ana"]);
        await GroupAsync("Atendimento", [suporte], ["bruno"]);
        // Loja's conversations are older: its second one waits (Ana is full), Suporte's are still assigned behind it.
        var lojaIds = await ConversationsAsync(loja, 2, 0);
        var suporteIds = await ConversationsAsync(suporte, 2, 10);

        Assert.Equal(3, await NewAssigner().AssignQueuedAsync());

        Assert.Equal(["ana", ""], await AssigneesAsync(lojaIds));
        Assert.Equal(["bruno", "bruno"], await AssigneesAsync(suporteIds));
    }
}
