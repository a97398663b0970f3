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
