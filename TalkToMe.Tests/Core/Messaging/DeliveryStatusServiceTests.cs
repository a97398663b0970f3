using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Messaging;

public class DeliveryStatusServiceTests
{
    [Fact]
    public async Task Apply_UpdatesTheMessageByProviderId_AndTellsTheInbox()
    {
        await using var database = await TestDatabase.CreateAsync();
        long messageId;
        int channelId;
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync("WhatsApp", ChannelType.WhatsApp);
            var conversation = await db.AddConversationAsync(channel, "Ana", TestData.Now);
            var reply = Message.Outgoing(conversation, "Oi", SenderType.Agent, "a", "Agente", TestData.Now);
            reply.MarkSent("wamid.ABC", TestData.Now);
            db.Messages.Add(reply);
            await db.SaveChangesAsync();
            (messageId, channelId) = (reply.Id, channel.Id);
        }

        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        var published = new List<InboxEvent>();
        using var _ = hub.Subscribe(published.Add);
        var service = new DeliveryStatusService(database.Units(hub));

        Assert.True(await service.ApplyAsync(channelId, "wamid.ABC", DeliveryStatus.Read, null));
        Assert.True(await service.ApplyAsync(channelId, "wamid.ABC", DeliveryStatus.Delivered, null));
        Assert.False(await service.ApplyAsync(channelId, "wamid.UNKNOWN", DeliveryStatus.Read, null));
        Assert.False(await service.ApplyAsync(channelId + 1, "wamid.ABC", DeliveryStatus.Failed, "x"));

        await using var read = database.NewContext();
        Assert.Equal(DeliveryStatus.Read, (await read.Messages.FindAsync(messageId))!.DeliveryStatus);
        Assert.Single(published);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PostgreSql_LateDeliveredWhileReadIsBeingSaved_NeverMovesTheMessageBack(bool receipt)
    {
        await using var database = await TestDatabase.CreatePostgreSqlAsync();
        long messageId;
        int channelId;
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync("Messenger", ChannelType.Facebook);
            var conversation = await db.AddConversationAsync(channel, "Ana", TestData.Now);
            var reply = Message.Outgoing(conversation, "Oi", SenderType.Agent, "a", "Agente", TestData.Now);
            reply.MarkSent("mid.ABC", TestData.Now);
            db.Messages.Add(reply);
            await db.SaveChangesAsync();
            (messageId, channelId) = (reply.Id, channel.Id);
        }

        // Another node is saving "read" for the message and has not committed yet.
        await using var other = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await other.OpenAsync();
        await using var saving = await other.BeginTransactionAsync();
        await using (var update = new Npgsql.NpgsqlCommand("""UPDATE "Messages" SET "DeliveryStatus" = $1 WHERE "Id" = $2""", other, saving))
        {
            update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (int)DeliveryStatus.Read });
            update.Parameters.Add(new Npgsql.NpgsqlParameter { Value = messageId });
            await update.ExecuteNonQueryAsync();
        }

        var service = new DeliveryStatusService(database.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance)));
        Task late = receipt
            ? service.ApplyReceiptAsync(channelId, "Ana", DeliveryStatus.Delivered, ["mid.ABC"], null)
            : service.ApplyAsync(channelId, "mid.ABC", DeliveryStatus.Delivered, null);
        await WaitUntilSomeoneWaitsForARowLockAsync(database.ConnectionString, late);
        Assert.False(late.IsCompleted, "the late callback did not wait for the row being saved");
        await saving.CommitAsync();
        await late.WaitAsync(TimeSpan.FromSeconds(20));

        await using var read = database.NewContext();
        Assert.Equal(DeliveryStatus.Read, (await read.Messages.FindAsync(messageId))!.DeliveryStatus);
    }

    /// <summary>Until another session of this database waits for a lock (the late callback reached the held row).</summary>
    private static async Task WaitUntilSomeoneWaitsForARowLockAsync(string connectionString, Task late)
    {
        // Its own connection outside any transaction: pg_stat_activity is read once per transaction.
        await using var observer = new Npgsql.NpgsqlConnection(connectionString);
        await observer.OpenAsync();
        await using var waiting = new Npgsql.NpgsqlCommand("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
            """, observer);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((long)(await waiting.ExecuteScalarAsync())! == 0)
        {
            if (late.IsCompleted)
            {
                await late;
                Assert.Fail("the late callback finished without waiting for the row being saved");
            }

            Assert.True(DateTime.UtcNow < deadline, "the late callback never reached the row");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ApplyReceipt_Watermark_MovesOnlyThatCustomersSentRepliesUpToIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        int channelId;
        string customer;
        Message early, late, pending, failed, otherCustomers;
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync("Messenger", ChannelType.Facebook);
            var conversation = await db.AddConversationAsync(channel, "Ana", TestData.Now);
            var other = await db.AddConversationAsync(channel, "Bia", TestData.Now);
            early = Message.Outgoing(conversation, "1", SenderType.Agent, "a", "Agente", TestData.Now);
            early.MarkSent("m_early", TestData.Now);
            late = Message.Outgoing(conversation, "2", SenderType.Agent, "a", "Agente", TestData.Now);
            late.MarkSent("m_late", TestData.Now.AddMinutes(5));
            pending = Message.Outgoing(conversation, "3", SenderType.Agent, "a", "Agente", TestData.Now);
            failed = Message.Outgoing(conversation, "4", SenderType.Agent, "a", "Agente", TestData.Now);
            failed.MarkAttemptFailed("recusada", null);
            otherCustomers = Message.Outgoing(other, "5", SenderType.Agent, "a", "Agente", TestData.Now);
            otherCustomers.MarkSent("m_other", TestData.Now);
            db.Messages.AddRange(early, late, pending, failed, otherCustomers);
            await db.SaveChangesAsync();
            (channelId, customer) = (channel.Id, conversation.ContactIdentity.ExternalId);
        }

        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        var published = new List<InboxEvent>();
        using var _ = hub.Subscribe(published.Add);
        var service = new DeliveryStatusService(database.Units(hub));

        Assert.Equal(1, await service.ApplyReceiptAsync(channelId, customer, DeliveryStatus.Delivered, [], TestData.Now.AddMinutes(1)));

        await using var read = database.NewContext();
        DeliveryStatus StateOf(Message m) => read.Messages.Find(m.Id)!.DeliveryStatus;
        Assert.Equal(DeliveryStatus.Delivered, StateOf(early));
        Assert.Equal(DeliveryStatus.Sent, StateOf(late));
        Assert.Equal(DeliveryStatus.Pending, StateOf(pending));
        Assert.Equal(DeliveryStatus.Failed, StateOf(failed));
        Assert.Equal(DeliveryStatus.Sent, StateOf(otherCustomers));
        Assert.Equal(early.Id, Assert.IsType<MessageUpdated>(Assert.Single(published)).MessageId);
    }

    [Theory]
    [InlineData(ChannelType.WhatsApp, 23, true)]
    [InlineData(ChannelType.WhatsApp, 25, false)]
    [InlineData(ChannelType.Facebook, 25, false)]
    [InlineData(ChannelType.Telegram, 500, true)]
    [InlineData(ChannelType.Email, 500, true)]
    public void ReplyWindow_ClosesAfter24HoursOnMetaChannelsOnly(ChannelType type, int hoursSinceCustomer, bool open)
    {
        Assert.Equal(open, ReplyWindow.IsOpen(type, TestData.Now.AddHours(-hoursSinceCustomer), TestData.Now));
    }
}
