using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

public sealed class InboundWriterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly HeldFlows _flows = new();
    private TestDatabase _database = null!;
    private InboundWriter _writer = null!;
    private int _channelId;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _writer = new InboundWriter(_database.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance)), _flows,
            new FakeTimeProvider(TestData.Now));
        await using var db = _database.NewContext();
        _channelId = (await db.AddChannelAsync("API Loja")).Id;
    }

    public async Task DisposeAsync()
    {
        _flows.Release();
        await _writer.StopAsync(CancellationToken.None);
        await _database.DisposeAsync();
    }

    private InboundMessage Inbound(string id) => new(_channelId, "cliente-" + id, "Maria", id, "Oi");

    private async Task<int> StoredAsync()
    {
        await using var db = _database.NewContext();
        return await db.Messages.CountAsync();
    }

    [Fact]
    public async Task StopAsync_ReturnsOnlyOnceEveryAcceptedMessageIsStored()
    {
        await _writer.StartAsync(CancellationToken.None);
        var first = _writer.ReceiveAsync(Inbound("m-1"));
        // The writer is inside the first batch's transaction, held there by the flow hook.
        await _flows.Entered.Task.WaitAsync(Patience);
        var second = _writer.ReceiveAsync(Inbound("m-2"));

        var stop = _writer.StopAsync(CancellationToken.None);

        Assert.False(stop.IsCompleted);
        Assert.False(second.IsCompleted);
        _flows.Release();
        await stop.WaitAsync(Patience);

        // Both are in the database once StopAsync returns, and both callers hear so.
        Assert.Equal(2, await StoredAsync());
        Assert.Equal(InboundOutcome.Accepted, (await first.WaitAsync(Patience)).Outcome);
        Assert.Equal(InboundOutcome.Accepted, (await second.WaitAsync(Patience)).Outcome);
    }

    [Fact]
    public async Task ReceiveAsync_AfterStop_IsRefusedClearlyAndStoresNothing()
    {
        _flows.Release();
        await _writer.ReceiveAsync(Inbound("m-1"));
        await _writer.StopAsync(CancellationToken.None);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => _writer.ReceiveAsync(Inbound("m-2")));

        Assert.Contains("stopped", refused.Message);
        Assert.Equal(1, await StoredAsync());
    }

    [Fact]
    public async Task StopAsync_BeforeAnyMessage_ReturnsAtOnce()
    {
        await _writer.StartAsync(CancellationToken.None);

        await _writer.StopAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.Equal(0, await StoredAsync());
    }

    /// <summary>Sends every message through the EF path and holds the writer in the flow hook until released.</summary>
    private sealed class HeldFlows : IConversationFlows
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public bool RunsOnStart(Channel channel) => true;

        public bool RunsOnCustomerMessage(int? flowId, int? flowStepIndex) => false;

        public async Task OnConversationStartedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await _release.Task;
        }

        public Task<bool> OnCustomerMessageAsync(TalkToMeDbContext db, Conversation conversation, string text, CancellationToken cancellationToken) =>
            Task.FromResult(false);

        public Task OnConversationResolvedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken) =>
            Task.CompletedTask;
    }
}
