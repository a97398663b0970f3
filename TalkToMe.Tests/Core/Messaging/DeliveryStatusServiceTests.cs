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
        await using var database = await SqliteTestDatabase.CreateAsync();
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
        var service = new DeliveryStatusService(database.Factory, hub);

        Assert.True(await service.ApplyAsync(channelId, "wamid.ABC", DeliveryStatus.Read, null));
        Assert.True(await service.ApplyAsync(channelId, "wamid.ABC", DeliveryStatus.Delivered, null));
        Assert.False(await service.ApplyAsync(channelId, "wamid.UNKNOWN", DeliveryStatus.Read, null));
        Assert.False(await service.ApplyAsync(channelId + 1, "wamid.ABC", DeliveryStatus.Failed, "x"));

        await using var read = database.NewContext();
        Assert.Equal(DeliveryStatus.Read, (await read.Messages.FindAsync(messageId))!.DeliveryStatus);
        Assert.Single(published);
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
