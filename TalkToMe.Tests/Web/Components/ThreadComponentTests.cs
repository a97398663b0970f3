using Bunit;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

public class ThreadComponentTests
{
    private static ThreadMessage Outgoing(DeliveryStatus status, string? reason = null) => new(7, MessageDirection.Outgoing,
        MessageKind.Text, SenderType.Agent, "u1", "Ana", "Seu pedido saiu.", status, reason, TestData.Now);

    private static IRenderedComponent<MessageView> Render(ComponentTestContext context, ThreadMessage message) =>
        context.Render<MessageView>(p => p.Add(c => c.Message, message));

    [Theory]
    [InlineData(DeliveryStatus.Pending, "pendente")]
    [InlineData(DeliveryStatus.Sent, "enviada")]
    [InlineData(DeliveryStatus.Delivered, "entregue")]
    [InlineData(DeliveryStatus.Read, "lida")]
    public async Task Message_Outgoing_ShowsItsDeliveryState_WithoutResend(DeliveryStatus status, string label)
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Outgoing(status));

        Assert.Equal(label, cut.Find("[data-testid=delivery]").TextContent.Trim());
        Assert.Empty(cut.FindAll("button"));
    }

    [Fact]
    public async Task Message_Failed_ShowsReasonAndResendButton()
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Outgoing(DeliveryStatus.Failed, "HTTP 500 do webhook"));

        var delivery = cut.Find("[data-testid=delivery]");
        Assert.StartsWith("falhou", delivery.TextContent.Trim());
        Assert.Equal(": HTTP 500 do webhook", delivery.QuerySelector("[data-testid=failure-reason]")!.TextContent);
        Assert.Equal("Reenviar", delivery.QuerySelector("button")!.TextContent);
    }

    [Fact]
    public async Task Message_PrivateNote_IsLabelledAndHasNoDeliveryState()
    {
        var note = new ThreadMessage(8, MessageDirection.Outgoing, MessageKind.PrivateNote, SenderType.Agent, "u1", "Ana",
            "Cliente VIP, tratar com cuidado.", DeliveryStatus.None, null, TestData.Now);

        await using var context = new ComponentTestContext();
        var cut = Render(context, note);

        var item = cut.Find("[data-testid=message]");
        Assert.Contains("ttm-message-privatenote", item.ClassList);
        Assert.Equal("Nota privada", item.QuerySelector("[data-testid=note-label]")!.TextContent);
        Assert.Null(item.QuerySelector("[data-testid=delivery]"));
    }

    [Fact]
    public async Task Message_Incoming_RendersCustomerTextAsText()
    {
        var incoming = new ThreadMessage(9, MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, null, "Maria",
            "<img src=x onerror=alert(1)>", DeliveryStatus.None, null, TestData.Now);

        await using var context = new ComponentTestContext();
        var cut = Render(context, incoming);

        Assert.Empty(cut.FindAll("img"));
        Assert.Equal("<img src=x onerror=alert(1)>", cut.Find("[data-testid=message-text]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=delivery]"));
    }

    [Fact]
    public async Task Message_InEnglish_UsesEnglishLabels()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.English);
        var cut = Render(context, Outgoing(DeliveryStatus.Failed, "timeout"));

        Assert.StartsWith("failed", cut.Find("[data-testid=delivery]").TextContent.Trim());
        Assert.Equal("Resend", cut.Find("button").TextContent);
    }

    [Fact]
    public async Task ListItem_ShowsStatusAndPriority()
    {
        var item = new ConversationListItem(1, "Maria", 2, "API Loja", ChannelType.Api, "Oi", TestData.Now, 0,
            ConversationStatus.Resolved, null, null, ConversationPriority.Urgent);

        await using var context = new ComponentTestContext();
        var cut = context.Render<ConversationListItemView>(p => p.Add(c => c.Item, item).Add(c => c.Now, TestData.Now));

        Assert.Equal("Resolvida", cut.Find("[data-testid=status]").TextContent);
        Assert.Equal("Urgente", cut.Find("[data-testid=priority]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=assignee]"));
    }
}
