using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Agents;

/// <summary>
/// Issue 15 item 1: an agent with no open page for the configured time becomes Offline by itself and comes back when a page
/// opens, unless they chose Offline; with two nodes, a page open on one keeps the agent available for the other's sweep.
/// </summary>
public sealed class AgentPresenceTests : IAsyncLifetime
{
    private static readonly TimeSpan OfflineAfter = TimeSpan.FromMinutes(5);

    private TestDatabase _db = null!;
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly AgentStatusSignal _signal = new();

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        await using var db = _db.NewContext();
        db.Users.Add(new AppUser { Id = "agent-a", UserName = "ana@example.com", Email = "ana@example.com", DisplayName = "Ana", CreatedAt = TestData.Now });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private AgentPresence NewNode() =>
        new(_db.Factory, _db.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance)), _signal, _clock,
            Options.Create(new PresenceOptions { OfflineAfter = OfflineAfter }));

    private async Task<(AgentStatus Status, bool Automatic)> StatusAsync()
    {
        await using var db = _db.NewContext();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == "agent-a");
        return (user.Status, !user.StatusChosen);
    }

    [Fact]
    public async Task NewAgent_IsOfflineUntilAPageOpens_ThenAvailable()
    {
        var changes = new List<AgentStatusChange>();
        using var _ = _signal.Subscribe(changes.Add);
        Assert.Equal((AgentStatus.Offline, true), await StatusAsync());

        await NewNode().PageOpenedAsync("agent-a");

        Assert.Equal(AgentStatus.Available, (await StatusAsync()).Status);
        Assert.Equal([new AgentStatusChange("agent-a", AgentStatus.Available)], changes);
    }

    [Fact]
    public async Task LastPageCloses_OfflineAfterTheConfiguredTime_AndBackWhenAPageOpens()
    {
        var node = NewNode();
        await node.PageOpenedAsync("agent-a");
        await node.PageOpenedAsync("agent-a");
        await node.ChooseAsync("agent-a", AgentStatus.Busy);
        await node.PageClosedAsync("agent-a");
        _clock.Advance(OfflineAfter * 2);
        // One page still open: still here, whatever the time.
        Assert.Empty(await node.SweepAsync());

        await node.PageClosedAsync("agent-a");
        _clock.Advance(OfflineAfter - TimeSpan.FromSeconds(1));
        Assert.Empty(await node.SweepAsync());
        Assert.Equal(AgentStatus.Busy, (await StatusAsync()).Status);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["agent-a"], await node.SweepAsync());
        Assert.Equal((AgentStatus.Offline, true), await StatusAsync());

        await node.PageOpenedAsync("agent-a");
        Assert.Equal(AgentStatus.Available, (await StatusAsync()).Status);
    }

    [Fact]
    public async Task ChoseOffline_StaysOfflineWhenAPageOpens()
    {
        var node = NewNode();
        await node.PageOpenedAsync("agent-a");
        await node.ChooseAsync("agent-a", AgentStatus.Offline);
        await node.PageClosedAsync("agent-a");

        await node.PageOpenedAsync("agent-a");

        Assert.Equal((AgentStatus.Offline, false), await StatusAsync());
    }

    [Fact]
    public async Task TwoNodes_APageOpenOnOneKeepsTheAgentAvailableForTheOthersSweep_UntilItsHeartbeatsStop()
    {
        var withPage = NewNode();
        var other = NewNode();
        await withPage.PageOpenedAsync("agent-a");

        for (var i = 0; i < 8; i++)
        {
            _clock.Advance(withPage.Options.Heartbeat);
            await withPage.HeartbeatAsync();
            Assert.Empty(await other.SweepAsync());
        }

        // The node with the page dies: no more heartbeats, and the other node's sweep sets the agent Offline in time.
        _clock.Advance(OfflineAfter);
        Assert.Equal(["agent-a"], await other.SweepAsync());
        Assert.Equal((AgentStatus.Offline, true), await StatusAsync());
    }
}
