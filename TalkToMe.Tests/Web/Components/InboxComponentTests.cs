using Bunit;
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

    private static IRenderedComponent<ConversationListItemView> RenderItem(ComponentTestContext context, ConversationListItem item) =>
        context.Render<ConversationListItemView>(p => p
            .Add(c => c.Item, item)
            .Add(c => c.Now, TestData.Now));

    [Fact]
    public async Task ListItem_ShowsContactChannelPreviewTimeAndUnreadCount()
    {
        await using var context = new ComponentTestContext();
        var cut = RenderItem(context, Item());

        var link = cut.Find("a[data-testid=conversation]");
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
        await using var context = new ComponentTestContext();
        var cut = RenderItem(context, Item("<script>alert(1)</script><b>oi</b>", unread: 0));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("b"));
        Assert.Equal("<script>alert(1)</script><b>oi</b>", cut.Find("[data-testid=preview]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=unread]"));
    }

    [Fact]
    public async Task ListItem_InASearch_MarksTheMatchesInTheNameAndShowsTheMatchedMessage_AsTextNeverMarkup()
    {
        await using var context = new ComponentTestContext();
        var item = Item("Última mensagem") with { MatchedText = "…o <b>pedido</b> 4821 não chegou" };
        var cut = context.Render<ConversationListItemView>(p => p
            .Add(c => c.Item, item)
            .Add(c => c.Now, TestData.Now)
            .Add(c => c.Search, TalkToMe.Core.Conversations.Search.SearchTerms.Parse("mari PEDIDO nao")));

        Assert.Equal(["Mari", "pedido", "não"], cut.FindAll("mark").Select(m => m.TextContent));
        Assert.Equal("Mariana Costa", cut.Find("[data-testid=contact-name]").TextContent);
        Assert.Equal("…o <b>pedido</b> 4821 não chegou", cut.Find("[data-testid=preview]").TextContent);
        Assert.Empty(cut.FindAll("b"));
    }

    [Fact]
    public async Task ListItem_ShowsTheAssignee()
    {
        await using var context = new ComponentTestContext();
        var cut = RenderItem(context, Item(assignee: "Ana Souza"));

        Assert.Equal("Ana Souza", cut.Find(".ttm-assignee").TextContent);
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
        await using var context = new ComponentTestContext();
        var cut = context.Render<ChannelTypeIcon>(p => p.Add(c => c.Type, type));

        Assert.Equal(label, cut.Find("[role=img]").GetAttribute("aria-label"));
    }

    [Fact]
    public async Task ChannelGlyphs_GivesEveryChannelTypeItsIconAsOneCssRule()
    {
        await using var context = new ComponentTestContext();
        var css = context.Render<ChannelGlyphs>().Find("style").TextContent;

        foreach (var type in Enum.GetValues<ChannelType>())
        {
            var rule = System.Text.RegularExpressions.Regex.Match(css,
                $@"\.ttm-channel-{type.ToString().ToLowerInvariant()}\{{--ttm-glyph:url\(""data:image/svg\+xml,([^""]+)""\)\}}");
            Assert.True(rule.Success, $"no icon rule for {type}");
            Assert.Contains(ChannelTypeIcon.IconOf(type), Uri.UnescapeDataString(rule.Groups[1].Value));
        }
    }

    [Fact]
    public async Task FieldError_ShowsTheMessageOfItsFieldOnly()
    {
        var errors = new Dictionary<string, string> { ["Email"] = "Informe um e-mail válido." };

        await using var context = new ComponentTestContext();
        var email = context.Render<FieldError>(p => p.Add(c => c.Errors, errors).Add(c => c.Field, "Email"));
        var name = context.Render<FieldError>(p => p.Add(c => c.Errors, errors).Add(c => c.Field, "DisplayName"));

        Assert.Equal("Informe um e-mail válido.", email.Find("[role=alert]").TextContent);
        Assert.Empty(name.FindAll("[role=alert]"));
    }
}
