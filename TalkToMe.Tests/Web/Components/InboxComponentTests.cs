using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;
using TalkToMe.Web.Components.Shared;

namespace TalkToMe.Tests.Web.Components;

public class InboxComponentTests
{
    private static ConversationListItem Item(string preview = "Olá", int unread = 2, string? assignee = null) => new(
        42, "Mariana Costa", 3, "WhatsApp Vendas", ChannelType.WhatsApp, preview, TestData.Now.AddMinutes(-5), unread,
        ConversationStatus.Open, assignee is null ? null : "u1", assignee, ConversationPriority.None);

    [Fact]
    public async Task ListItem_ShowsContactChannelPreviewTimeAndUnreadCount()
    {
        var document = await ComponentRenderer.RenderAsync<ConversationListItemView>(new Dictionary<string, object?>
        {
            [nameof(ConversationListItemView.Item)] = Item(),
            [nameof(ConversationListItemView.Now)] = TestData.Now,
        });

        var link = document.QuerySelector("a[data-testid=conversation]")!;
        Assert.Equal("/conversations/42", link.GetAttribute("href"));
        Assert.Equal("Mariana Costa", link.QuerySelector("[data-testid=contact-name]")!.TextContent);
        Assert.Contains("WhatsApp Vendas", link.TextContent);
        Assert.Equal("Olá", link.QuerySelector("[data-testid=preview]")!.TextContent);
        Assert.Equal("2", link.QuerySelector("[data-testid=unread]")!.TextContent);
        Assert.Equal("5 min", link.QuerySelector("time")!.TextContent);
        Assert.Equal("WhatsApp", link.QuerySelector("[role=img]")!.GetAttribute("aria-label"));
        Assert.Contains("is-unread", link.ClassList);
    }

    [Fact]
    public async Task ListItem_RendersCustomerTextAsTextNeverAsMarkup()
    {
        var document = await ComponentRenderer.RenderAsync<ConversationListItemView>(new Dictionary<string, object?>
        {
            [nameof(ConversationListItemView.Item)] = Item("<script>alert(1)</script><b>oi</b>", unread: 0),
            [nameof(ConversationListItemView.Now)] = TestData.Now,
        });

        Assert.Empty(document.QuerySelectorAll("script"));
        Assert.Empty(document.QuerySelectorAll("b"));
        Assert.Equal("<script>alert(1)</script><b>oi</b>", document.QuerySelector("[data-testid=preview]")!.TextContent);
        Assert.Null(document.QuerySelector("[data-testid=unread]"));
    }

    [Fact]
    public async Task ListItem_ShowsTheAssignee()
    {
        var document = await ComponentRenderer.RenderAsync<ConversationListItemView>(new Dictionary<string, object?>
        {
            [nameof(ConversationListItemView.Item)] = Item(assignee: "Ana Souza"),
            [nameof(ConversationListItemView.Now)] = TestData.Now,
        });

        Assert.Equal("Ana Souza", document.QuerySelector(".ttm-assignee")!.TextContent);
    }

    [Theory]
    [InlineData(0, "agora")]
    [InlineData(59, "agora")]
    [InlineData(300, "5 min")]
    [InlineData(7200, "2 h")]
    [InlineData(3 * 86400, "3 d")]
    public void RelativeTime_IsShort(int secondsAgo, string expected)
    {
        Assert.Equal(expected, RelativeTime.Format(TestData.Now.AddSeconds(-secondsAgo), TestData.Now));
    }

    [Theory]
    [InlineData(ChannelType.Website, "Site")]
    [InlineData(ChannelType.Email, "E-mail")]
    [InlineData(ChannelType.Line, "LINE")]
    [InlineData(ChannelType.Sms, "SMS")]
    public async Task ChannelTypeIcon_NamesTheTypeForScreenReaders(ChannelType type, string label)
    {
        var document = await ComponentRenderer.RenderAsync<ChannelTypeIcon>(new Dictionary<string, object?>
        {
            [nameof(ChannelTypeIcon.Type)] = type,
        });

        Assert.Equal(label, document.QuerySelector("[role=img]")!.GetAttribute("aria-label"));
    }

    [Fact]
    public async Task FieldError_ShowsTheMessageOfItsFieldOnly()
    {
        var errors = new Dictionary<string, string> { ["Email"] = "Informe um e-mail válido." };

        var email = await ComponentRenderer.RenderAsync<FieldError>(new Dictionary<string, object?>
        {
            [nameof(FieldError.Errors)] = errors,
            [nameof(FieldError.Field)] = "Email",
        });
        var name = await ComponentRenderer.RenderAsync<FieldError>(new Dictionary<string, object?>
        {
            [nameof(FieldError.Errors)] = errors,
            [nameof(FieldError.Field)] = "DisplayName",
        });

        Assert.Equal("Informe um e-mail válido.", email.QuerySelector("[role=alert]")!.TextContent);
        Assert.Null(name.QuerySelector("[role=alert]"));
    }
}
