using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

public class SnoozeWakeServiceTests
{
    /// <summary>Tells the test when the waker has gone to sleep on the clock, so advancing it cannot race the sleep.</summary>
    private sealed class SleepWatchingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly SemaphoreSlim _sleeps = new(0);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _sleeps.Release();
            return timer;
        }

        public Task<bool> WaitForSleepAsync() => _sleeps.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Snoozed_ReopensWhenTheClockReachesItsEnd_WithoutWaitingInRealTime()
    {
        await using var database = await TestDatabase.CreateAsync();
        var clock = new SleepWatchingClock(TestData.Now);
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        var signal = new SnoozeSignal();
        var conversations = new TestConversations(database, hub, clock, snooze: signal);
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync("API Loja")).Id;
        }

        var id = (await conversations.Inbound.ReceiveAsync(new InboundMessage(channelId, "c-1", "Maria", "m-1", "Oi"))).ConversationId!.Value;
        await conversations.Commands.SnoozeAsync(id, new Actor(null, "Ana"), TestData.Now.AddHours(2));
        var reopened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Subscribe(e =>
        {
            if (e is ConversationChanged { Status: ConversationStatus.Open } changed && changed.ConversationId == id)
            {
                reopened.TrySetResult();
            }
        });

        using var waker = new SnoozeWakeService(conversations.Snoozes, signal, clock, NullLogger<SnoozeWakeService>.Instance);
        await waker.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await clock.WaitForSleepAsync(), "the waker never went to sleep");
            Assert.Equal(ConversationStatus.Snoozed, await StatusAsync(database, id));

            // Two hours pass on the fake clock only: the waker's sleep must follow it, not the wall clock.
            clock.Advance(TimeSpan.FromHours(2));

            await reopened.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(ConversationStatus.Open, await StatusAsync(database, id));
        }
        finally
        {
            await waker.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<ConversationStatus> StatusAsync(TestDatabase database, int id)
    {
        await using var db = database.NewContext();
        return await db.Conversations.Where(c => c.Id == id).Select(c => c.Status).SingleAsync();
    }
}
