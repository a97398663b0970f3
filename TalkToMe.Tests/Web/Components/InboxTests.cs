using Bunit;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// The inbox list kept live by pushed events: customer messages go through the real inbound pipeline
/// (InboundWriter / ConversationCommands → InboxEventHub → InboxFeed) on a real SQLite database, and the page updates in place.
/// </summary>
public class InboxTests
{
    // The page applies rows as they come; it recounts the tabs and the title at most once a second, on the test's clock.
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);

    private sealed record Page(ComponentTestContext Context, IRenderedComponent<TalkToMe.Web.Components.Pages.Inbox.Inbox> Cut,
        InboundWriter Inbound, ConversationCommands Commands, int ChannelId, Dictionary<string, int> Ids)
    {
        public Task<InboundResult> CustomerWritesAsync(string contactId, string name, string text) =>
            Inbound.ReceiveAsync(new InboundMessage(ChannelId, contactId, name, Guid.NewGuid().ToString("N"), text));

        public IReadOnlyList<string> Rows() => Cut.FindAll("[data-testid=contact-name]").Select(e => e.TextContent).ToList();

        public string Unread(int conversationId) =>
            Cut.Find($"[data-conversation-id=\"{conversationId}\"] [data-testid=unread]").TextContent;

        public string OpenTabCount() => Cut.Find("[data-testid=tab-Open] [data-testid=tab-count]").TextContent.Trim();
    }

    /// <summary>The page after the customers in <paramref name="before"/> wrote, one minute apart, oldest first.</summary>
    private static async Task<Page> OpenAsync(ComponentTestContext context, params string[] before)
    {
        var database = await context.AddCoreAsync();
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync("API Loja")).Id;
        }

        context.SignIn("agent-ana", "Ana");
        var page = new Page(context, null!, context.GetService<InboundWriter>(), context.GetService<ConversationCommands>(), channelId, []);
        foreach (var name in before)
        {
            page.Ids[name] = (await page.CustomerWritesAsync(ContactId(name), name, $"Olá, aqui é {name}")).ConversationId!.Value;
            context.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        page = page with { Cut = context.Render<TalkToMe.Web.Components.Pages.Inbox.Inbox>() };
        // The first read is asynchronous (on PostgreSQL it really is): the tests start from the loaded page.
        page.Cut.WaitForAssertion(() =>
        {
            Assert.Equal(before.Reverse(), page.Rows());
            if (before.Length > 0)
            {
                Assert.Equal(before.Length.ToString(), page.OpenTabCount());
            }
        });
        return page;
    }

    private static string ContactId(string name) => "cliente-" + name.ToLowerInvariant();

    [Fact]
    public async Task PushedMessage_OnAnOlderConversation_MovesItToTheTopWithItsNewUnreadCount()
    {
        await using var context = new ComponentTestContext();
        var page = await OpenAsync(context, "Maria", "Pedro");
        var maria = page.Ids["Maria"];
        Assert.Equal(["Pedro", "Maria"], page.Rows());
        Assert.Equal("1", page.Unread(maria));

        await page.CustomerWritesAsync(ContactId("Maria"), "Maria", "Meu pedido não chegou");

        page.Cut.WaitForAssertion(() =>
        {
            Assert.Equal(["Maria", "Pedro"], page.Rows());
            Assert.Equal("2", page.Unread(maria));
            Assert.Equal("Meu pedido não chegou",
                page.Cut.Find($"[data-conversation-id=\"{maria}\"] [data-testid=preview]").TextContent);
        }, PushTimeout);
    }

    [Fact]
    public async Task PushedNewConversation_AppearsOnTop_AndTheOpenTabCountGoesUp()
    {
        await using var context = new ComponentTestContext();
        var page = await OpenAsync(context, "Maria", "Pedro");
        Assert.Equal("2", page.OpenTabCount());

        await page.CustomerWritesAsync(ContactId("Bia"), "Bia", "Primeira vez por aqui");

        page.Cut.WaitForAssertion(() => Assert.Equal(["Bia", "Pedro", "Maria"], page.Rows()), PushTimeout);
        context.Clock.Advance(TimeSpan.FromSeconds(1));
        page.Cut.WaitForAssertion(() => Assert.Equal("3", page.OpenTabCount()), PushTimeout);
    }

    [Fact]
    public async Task ConversationResolvedElsewhere_LeavesTheOpenTab_AndItsCountGoesDown()
    {
        await using var context = new ComponentTestContext();
        var page = await OpenAsync(context, "Maria", "Pedro");
        Assert.Equal(["Pedro", "Maria"], page.Rows());
        Assert.Equal("2", page.OpenTabCount());

        // Another agent, in another browser, resolves it.
        await page.Commands.ResolveAsync(page.Ids["Pedro"], new Actor(null, "Bruno"));

        page.Cut.WaitForAssertion(() => Assert.Equal(["Maria"], page.Rows()), PushTimeout);
        context.Clock.Advance(TimeSpan.FromSeconds(1));
        page.Cut.WaitForAssertion(() => Assert.Equal("1", page.OpenTabCount()), PushTimeout);
    }

    [Fact]
    public async Task TabTitle_ShowsTheUnreadTotal_AndFollowsPushedMessagesWithTheTabCounts()
    {
        await using var context = new ComponentTestContext();
        var page = await OpenAsync(context, "Maria", "Pedro");
        // The document's head, as the app's App.razor renders it: the page's <PageTitle> lands here.
        var head = context.Render<Microsoft.AspNetCore.Components.Web.HeadOutlet>();
        string Title() => head.Find("title").TextContent;
        var maria = page.Ids["Maria"];
        head.WaitForAssertion(() => Assert.Equal("(2) Caixa de entrada · TalkToMe", Title()));

        await page.CustomerWritesAsync(ContactId("Maria"), "Maria", "Meu pedido não chegou");

        // The row moves and counts at once; the title waits for the next recount, at most a second later.
        page.Cut.WaitForAssertion(() =>
        {
            Assert.Equal(["Maria", "Pedro"], page.Rows());
            Assert.Equal("2", page.Unread(maria));
        }, PushTimeout);
        Assert.Equal("(2) Caixa de entrada · TalkToMe", Title());
        context.Clock.Advance(TimeSpan.FromSeconds(1));
        head.WaitForAssertion(() => Assert.Equal("(3) Caixa de entrada · TalkToMe", Title()), PushTimeout);
    }

    [Fact]
    public async Task BurstOfMessages_UnderASearchThatReadsEachRow_EndsWithEveryRowsNewestMessage()
    {
        await using var context = new ComponentTestContext();
        var page = await OpenAsync(context, "Maria", "Pedro");
        // A search makes the page read each changed row again (the event's row does not carry the matched text): the
        // reads are awaited, and a later change of a row must never be overwritten by an earlier, slower read.
        page.Cut.Find("[data-testid=inbox-search]").Input("pedido");
        page.Cut.Find("[data-testid=inbox-filters]").Submit();
        page.Cut.WaitForAssertion(() => Assert.Empty(page.Rows()), PushTimeout);

        const int burst = 40;
        await Task.WhenAll(Enumerable.Range(1, burst).Select(async n =>
        {
            var name = n % 2 == 0 ? "Maria" : "Pedro";
            await page.CustomerWritesAsync(ContactId(name), name, $"pedido {n}");
        }));
        string Newest(string name)
        {
            using var db = context.Database.NewContext();
            return db.Messages.Where(m => m.ConversationId == page.Ids[name]).OrderByDescending(m => m.Id).First().Content!;
        }

        page.Cut.WaitForAssertion(() =>
        {
            foreach (var name in new[] { "Maria", "Pedro" })
            {
                Assert.Equal(Newest(name), page.Cut.Find($"[data-conversation-id=\"{page.Ids[name]}\"] [data-testid=preview]").TextContent);
                Assert.Equal((burst / 2 + 1).ToString(), page.Unread(page.Ids[name]));
            }
        }, PushTimeout);
    }

    [Fact]
    public async Task StatusTabs_ShowTheNameAndTheCountAsASeparateBadge_WithASpokenCount()
    {
        await using var context = new ComponentTestContext();
        var page = await OpenAsync(context, "Maria", "Pedro");

        var tab = page.Cut.Find("[data-testid=tab-Open]");
        Assert.Equal("tab", tab.GetAttribute("role"));
        Assert.Equal("true", tab.GetAttribute("aria-selected"));
        Assert.Equal("Abertas", tab.Children[0].TextContent);
        Assert.Equal("2", tab.QuerySelector("[data-testid=tab-count]")!.TextContent);
        Assert.Equal("true", tab.QuerySelector("[data-testid=tab-count]")!.GetAttribute("aria-hidden"));
        Assert.Equal("(2 conversas)", tab.QuerySelector(".ttm-visually-hidden")!.TextContent);
    }
}
