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

    private static Task<AngleSharp.Dom.IDocument> RenderAsync(ThreadMessage message, string culture = "pt-BR") =>
        ComponentRenderer.RenderAsync<MessageView>(new Dictionary<string, object?> { [nameof(MessageView.Message)] = message }, culture: culture);

    [Theory]
    [InlineData(DeliveryStatus.Pending, "pendente")]
    [InlineData(DeliveryStatus.Sent, "enviada")]
    [InlineData(DeliveryStatus.Delivered, "entregue")]
    [InlineData(DeliveryStatus.Read, "lida")]
    public async Task Message_Outgoing_ShowsItsDeliveryState_WithoutResend(DeliveryStatus status, string label)
    {
        var document = await RenderAsync(Outgoing(status));

        Assert.Equal(label, document.QuerySelector("[data-testid=delivery]")!.TextContent.Trim());
        Assert.Null(document.QuerySelector("button"));
    }

    [Fact]
    public async Task Message_Failed_ShowsReasonAndResendButton()
    {
        var document = await RenderAsync(Outgoing(DeliveryStatus.Failed, "HTTP 500 do webhook"));

        var delivery = document.QuerySelector("[data-testid=delivery]")!;
        Assert.StartsWith("falhou", delivery.TextContent.Trim());
        Assert.Equal(": HTTP 500 do webhook", delivery.QuerySelector("[data-testid=failure-reason]")!.TextContent);
        Assert.Equal("Reenviar", delivery.QuerySelector("button")!.TextContent);
    }

    [Fact]
    public async Task Message_PrivateNote_IsLabelledAndHasNoDeliveryState()
    {
        var note = new ThreadMessage(8, MessageDirection.Outgoing, MessageKind.PrivateNote, SenderType.Agent, "u1", "Ana",
            "Cliente VIP, tratar com cuidado.", DeliveryStatus.None, null, TestData.Now);

        var document = await RenderAsync(note);

        var item = document.QuerySelector("[data-testid=message]")!;
        Assert.Contains("ttm-message-privatenote", item.ClassList);
        Assert.Equal("Nota privada", item.QuerySelector("[data-testid=note-label]")!.TextContent);
        Assert.Null(item.QuerySelector("[data-testid=delivery]"));
    }

    [Fact]
    public async Task Message_Incoming_RendersCustomerTextAsText()
    {
        var incoming = new ThreadMessage(9, MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, null, "Maria",
            "<img src=x onerror=alert(1)>", DeliveryStatus.None, null, TestData.Now);

        var document = await RenderAsync(incoming);

        Assert.Empty(document.QuerySelectorAll("img"));
        Assert.Equal("<img src=x onerror=alert(1)>", document.QuerySelector("[data-testid=message-text]")!.TextContent);
        Assert.Null(document.QuerySelector("[data-testid=delivery]"));
    }

    [Fact]
    public async Task Message_InEnglish_UsesEnglishLabels()
    {
        var document = await RenderAsync(Outgoing(DeliveryStatus.Failed, "timeout"), "en");

        Assert.StartsWith("failed", document.QuerySelector("[data-testid=delivery]")!.TextContent.Trim());
        Assert.Equal("Resend", document.QuerySelector("button")!.TextContent);
    }

    [Fact]
    public async Task ListItem_ShowsStatusAndPriority()
    {
        var item = new ConversationListItem(1, "Maria", 2, "API Loja", ChannelType.Api, "Oi", TestData.Now, 0,
            ConversationStatus.Resolved, null, null, ConversationPriority.Urgent);

        var document = await ComponentRenderer.RenderAsync<ConversationListItemView>(new Dictionary<string, object?>
        {
            [nameof(ConversationListItemView.Item)] = item,
            [nameof(ConversationListItemView.Now)] = TestData.Now,
        });

        Assert.Equal("Resolvida", document.QuerySelector("[data-testid=status]")!.TextContent);
        Assert.Equal("Urgente", document.QuerySelector("[data-testid=priority]")!.TextContent);
        Assert.Null(document.QuerySelector("[data-testid=assignee]"));
    }
}
