using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using Xunit.Abstractions;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Messaging;

/// <summary>Nothing the server accepted may be lost: a reply in flight when the app stops is delivered after the restart.</summary>
public sealed class OutboundRestartTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> Outbound = new()
    {
        // The hanging first attempt must still be in flight when the app stops; the lease brings it back soon after.
        ["TalkToMe:Outbound:SendTimeout"] = "00:01:00",
        ["TalkToMe:Outbound:ClaimLease"] = "00:00:03",
        ["TalkToMe:Outbound:RetryBaseDelay"] = "00:00:00.200",
    };

    [Fact]
    public async Task AppStoppedMidSend_PendingReplyIsDeliveredAfterRestart_WithTheSameDeliveryId()
    {
        var databasePath = TestDatabase.TempPath();
        await using var receiver = await WebhookReceiver.StartAsync();
        var firstArrived = new TaskCompletionSource();
        _ = receiver.WaitForAsync(1, TimeSpan.FromSeconds(30)).ContinueWith(_ => firstArrived.TrySetResult(), TaskScheduler.Default);
        // First attempt: the receiver is slow and never answers before the app goes down. Then: slow once more, then fine.
        receiver.Respond = async (n, _, aborted) =>
        {
            if (n == 1)
            {
                await Task.Delay(Timeout.Infinite, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            return n == 2 ? 500 : 200;
        };

        long messageId;
        Guid deliveryId;
        try
        {
            var first = await TestApp.StartAsync(Outbound, databasePath);
            try
            {
                var (channelId, _) = await ApiChannels.CreateAsync(first.Services, webhookUrl: receiver.Url);
                var inbound = await first.Services.GetRequiredService<InboundWriter>()
                    .ReceiveAsync(new InboundMessage(channelId, "cliente-7", "João", "in-1", "Cadê meu pedido?"));
                var reply = await first.Services.GetRequiredService<ConversationCommands>().ReplyAsync(inbound.ConversationId!.Value, new Actor(null, "Ana"), "Já está a caminho!");
                (messageId, deliveryId) = (reply.Id, reply.DeliveryId!.Value);

                var arrival = System.Diagnostics.Stopwatch.StartNew();
                await firstArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
                output.WriteLine($"first request after {arrival.ElapsedMilliseconds} ms");
            }
            finally
            {
                output.WriteLine("stopping the first app");
                var stopping = System.Diagnostics.Stopwatch.StartNew();
                // Stop while the webhook call hangs: the send is cut off, nothing was recorded as sent.
                await first.DisposeAsync();
                output.WriteLine($"first app stopped in {stopping.ElapsedMilliseconds} ms");
            }

            await using (var db = NewContext(databasePath))
            {
                Assert.Equal(DeliveryStatus.Pending, (await db.Messages.SingleAsync(m => m.Id == messageId)).DeliveryStatus);
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            await using var second = await TestApp.StartAsync(Outbound, databasePath);
            var updated = new SemaphoreSlim(0);
            using var subscription = second.Services.GetRequiredService<InboxEventHub>().Subscribe(e =>
            {
                if (e is MessageUpdated u && u.MessageId == messageId)
                {
                    updated.Release();
                }
            });
            output.WriteLine($"second app started after {watch.ElapsedMilliseconds} ms");
            await receiver.WaitForAsync(3, TimeSpan.FromSeconds(30));
            output.WriteLine($"third request after {watch.ElapsedMilliseconds} ms");
            await WaitUntilSentAsync(databasePath, messageId, updated);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(databasePath + suffix);
            }
        }

        Assert.Equal(3, receiver.Received.Count);
        Assert.All(receiver.Received, r => Assert.Equal(deliveryId.ToString(), r.DeliveryId));
        Assert.All(receiver.Received, r => Assert.Contains("Já está a caminho!", r.Body));
    }

    private static TalkToMeDbContext NewContext(string path) =>
        new(new DbContextOptionsBuilder<TalkToMeDbContext>().UseSqlite($"Data Source={path}").Options);

    private static async Task WaitUntilSentAsync(string databasePath, long messageId, SemaphoreSlim updated)
    {
        // The receiver answered 200 on the third request; the dispatcher records it and publishes MessageUpdated.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            await using (var db = NewContext(databasePath))
            {
                if ((await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId, cancel.Token)).DeliveryStatus == DeliveryStatus.Sent)
                {
                    return;
                }
            }

            await updated.WaitAsync(cancel.Token);
        }
    }
}
