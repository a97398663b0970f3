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

    private static readonly Actor Ana = new("ana-id", "Ana");

    [Fact]
    public void AgentCommands_RefuseWhatTheStateForbids_AndChangeNothing()
    {
        var conversation = NewConversation();
        Assert.Throws<ConversationRuleException>(() => conversation.Reopen(Ana));
        Assert.Throws<ConversationRuleException>(() => conversation.Snooze(TestData.Now, TestData.Now, Ana));

        Assert.Equal(ActivityKind.Resolved, conversation.Resolve(Ana, TestData.Now).Kind);
        Assert.Throws<ConversationRuleException>(() => conversation.Resolve(Ana, TestData.Now));
        Assert.Throws<ConversationRuleException>(() => conversation.Snooze(TestData.Now.AddHours(1), TestData.Now, Ana));
        Assert.Equal(ConversationStatus.Resolved, conversation.Status);
        Assert.Null(conversation.SnoozedUntil);
    }

    [Fact]
    public void AgentCommands_ThatChangeNothing_LeaveNoActivityLine()
    {
        var conversation = NewConversation();
        var label = new Label("vip", "#000");

        Assert.Null(conversation.Unassign(Ana));
        Assert.Null(conversation.SetPriority(ConversationPriority.None, Ana));
        Assert.Null(conversation.RemoveLabel(label, Ana));
        Assert.NotNull(conversation.AddLabel(label, Ana));
        Assert.Null(conversation.AddLabel(label, Ana));
        Assert.Single(conversation.Labels);
    }

    [Fact]
    public void EndSnooze_ReopensOnlyOnceItsTimeHasCome()
    {
        var conversation = NewConversation();
        conversation.Snooze(TestData.Now.AddHours(1), TestData.Now, Ana);

        Assert.Null(conversation.EndSnooze(TestData.Now.AddMinutes(59)));
        Assert.Equal(ConversationStatus.Snoozed, conversation.Status);
        Assert.Equal(ActivityKind.SnoozeEnded, conversation.EndSnooze(TestData.Now.AddHours(1))?.Kind);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Null(conversation.EndSnooze(TestData.Now.AddHours(2)));
    }

    [Fact]
    public void Retry_OnlyAFailedCustomerMessage_GoesBackInTheQueue()
    {
        var conversation = NewConversation();
        var reply = conversation.Reply(Ana, "Oi", TestData.Now);
        Assert.Throws<ConversationRuleException>(() => reply.Retry(conversation.Channel, TestData.Now));
        Assert.Throws<ConversationRuleException>(() => conversation.AddNote(Ana, "nota", TestData.Now).Retry(conversation.Channel, TestData.Now));

        reply.MarkAttemptFailed("HTTP 500", null);
        reply.Retry(conversation.Channel, TestData.Now.AddMinutes(1));

        Assert.Equal(DeliveryStatus.Pending, reply.DeliveryStatus);
        Assert.Equal(TestData.Now.AddMinutes(1), reply.NextAttemptAt);
    }
}
