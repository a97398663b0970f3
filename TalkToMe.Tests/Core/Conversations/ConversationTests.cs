using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

public class ConversationTests
{
    private static Conversation NewConversation()
    {
        var channel = new Channel("Site", ChannelType.Website, "key", TestData.Now);
        var contact = new Contact("Ana", TestData.Now);
        return new Conversation(channel, contact.AddIdentity(1, "visitor"), TestData.Now);
    }

    [Fact]
    public void RecordIncoming_BumpsActivityUnreadAndPreview()
    {
        var conversation = NewConversation();

        conversation.RecordIncoming("Olá\ntudo bem?", TestData.Now.AddMinutes(5));

        Assert.Equal(TestData.Now.AddMinutes(5), conversation.LastActivityAt);
        Assert.Equal(TestData.Now.AddMinutes(5), conversation.LastCustomerMessageAt);
        Assert.Equal(1, conversation.UnreadCount);
        Assert.Equal("Olá tudo bem?", conversation.LastMessagePreview);
    }

    [Fact]
    public void RecordIncoming_OnResolvedConversation_ReopensIt()
    {
        var conversation = NewConversation();
        conversation.Resolve(TestData.Now);

        conversation.RecordIncoming("Voltei", TestData.Now.AddMinutes(1));

        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Null(conversation.ResolvedAt);
    }

    [Fact]
    public void Preview_IsCutToTheColumnLength()
    {
        var conversation = NewConversation();

        conversation.RecordIncoming(new string('x', 500), TestData.Now);

        Assert.Equal(Conversation.PreviewLength, conversation.LastMessagePreview!.Length);
        Assert.EndsWith("…", conversation.LastMessagePreview);
    }

    [Fact]
    public void ResolveAndSnooze_ClearKeepAlive()
    {
        var conversation = NewConversation();
        conversation.ScheduleKeepAlive(KeepAliveStage.AwaitingInactivity, TestData.Now.AddMinutes(10));

        conversation.Snooze(TestData.Now.AddHours(1));

        Assert.Equal(ConversationStatus.Snoozed, conversation.Status);
        Assert.Null(conversation.KeepAliveDueAt);
        Assert.Equal(KeepAliveStage.None, conversation.KeepAliveStage);
    }

    [Fact]
    public void OutgoingMessage_StartsPendingWithAStableDeliveryId()
    {
        var message = Message.Outgoing(NewConversation(), "Oi", SenderType.Agent, "a1", "Ana", TestData.Now);

        Assert.Equal(DeliveryStatus.Pending, message.DeliveryStatus);
        Assert.NotNull(message.DeliveryId);
        Assert.Equal(TestData.Now, message.NextAttemptAt);
    }

    [Fact]
    public void ProviderStatus_NeverGoesBackwards_ButFailureAlwaysWins()
    {
        var message = Message.Outgoing(NewConversation(), "Oi", SenderType.Agent, "a1", "Ana", TestData.Now);
        message.MarkSent("wamid.1", TestData.Now);

        message.ApplyProviderStatus(DeliveryStatus.Read, null);
        message.ApplyProviderStatus(DeliveryStatus.Delivered, null);
        Assert.Equal(DeliveryStatus.Read, message.DeliveryStatus);

        message.ApplyProviderStatus(DeliveryStatus.Failed, "131047: janela de 24 h fechada");
        Assert.Equal(DeliveryStatus.Failed, message.DeliveryStatus);
        Assert.Equal("131047: janela de 24 h fechada", message.FailureReason);
    }

    [Fact]
    public void FailedAttempt_WithoutRetry_MarksFailedWithReason()
    {
        var message = Message.Outgoing(NewConversation(), "Oi", SenderType.Agent, "a1", "Ana", TestData.Now);

        message.MarkAttemptFailed("HTTP 500", TestData.Now.AddSeconds(5));
        Assert.Equal(DeliveryStatus.Pending, message.DeliveryStatus);

        message.MarkAttemptFailed("HTTP 500", null);
        Assert.Equal(DeliveryStatus.Failed, message.DeliveryStatus);
        Assert.Equal(2, message.DeliveryAttempts);
    }
}
