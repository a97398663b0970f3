using Bunit;
using MudBlazor;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// "Who is here" in the open conversation: the other agents viewing it as avatars in the header, and who types (another
/// agent, a note, the customer) in a live region above the reply box. The other agents are played through the same
/// <see cref="ConversationPresence"/> their pages would use.
/// </summary>
public class ThreadPresenceTests
{
    private sealed record Thread(ComponentTestContext Context, IRenderedComponent<ConversationThread> Cut, int ConversationId)
    {
        public ConversationPresence Presence => Context.GetService<ConversationPresence>();

        public IReadOnlyList<(string Name, string Initials)> Avatars() => Cut.FindAll("[data-testid=viewers] [data-testid=viewer]")
            .Select(a => (a.GetAttribute("aria-label") ?? "", a.TextContent)).ToList();

        public string Typing() => Cut.Find("[data-testid=typing]").TextContent.Trim();
    }

    /// <summary>Ana (agent-ana) has Maria's conversation open.</summary>
    private static async Task<Thread> OpenAsync(ComponentTestContext context)
    {
        var database = await context.AddCoreAsync();
        context.SignIn("agent-ana", "Ana Souza");
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync("API Loja")).Id;
        }

        var received = await context.GetService<InboundWriter>()
            .ReceiveAsync(new InboundMessage(channelId, "cliente-maria", "Maria Silva", "m-1", "Meu pedido não chegou"));
        var conversationId = received.ConversationId!.Value;
        context.Render<MudPopoverProvider>();
        var cut = context.Render<ConversationThread>(p => p.Add(c => c.ConversationId, conversationId));
        cut.WaitForAssertion(() => Assert.Equal("Maria Silva", cut.Find("[data-testid=thread-contact]").TextContent));
        return new Thread(context, cut, conversationId);
    }

    [Fact]
    public async Task OpeningTheThread_StartsOneFollowerOnItsRenderedScroller_HoweverOftenItRendersAgain()
    {
        await using var context = new ComponentTestContext();
        var thread = await OpenAsync(context);
        // Other agents come and go: each renders the thread again.
        var bruno = thread.Presence.View(thread.ConversationId, "agent-bruno", "Bruno Lima");
        thread.Cut.WaitForAssertion(() => Assert.Equal([("Bruno Lima", "BL")], thread.Avatars()));
        bruno.Dispose();
        thread.Cut.WaitForAssertion(() => Assert.Empty(thread.Avatars()));

        var follow = Assert.Single(context.JSInterop.Invocations["ttmInbox.followThread"]);
        var scroller = Assert.IsType<Microsoft.AspNetCore.Components.ElementReference>(Assert.Single(follow.Arguments));
        Assert.NotNull(scroller.Id);
    }

    [Fact]
    public async Task AnotherAgentOpeningTheConversation_ShowsTheirAvatar_AndItGoesWhenTheyLeave()
    {
        await using var context = new ComponentTestContext();
        var thread = await OpenAsync(context);
        // Ana views it herself, but her own avatar is not shown to her.
        Assert.Equal(["Ana Souza"], thread.Presence.Snapshot(thread.ConversationId).Viewers.Select(v => v.Name));
        Assert.Empty(thread.Cut.FindAll("[data-testid=viewers]"));

        var bruno = thread.Presence.View(thread.ConversationId, "agent-bruno", "Bruno Lima");
        using var brunoSecondTab = thread.Presence.View(thread.ConversationId, "agent-bruno", "Bruno Lima");

        thread.Cut.WaitForAssertion(() => Assert.Equal([("Bruno Lima", "BL")], thread.Avatars()));
        var group = thread.Cut.Find("[data-testid=viewers]");
        Assert.Equal("group", group.GetAttribute("role"));
        Assert.Equal("Também nesta conversa", group.GetAttribute("aria-label"));
        Assert.Equal("img", group.QuerySelector("[data-testid=viewer]")!.GetAttribute("role"));
        Assert.Equal("Bruno Lima", group.QuerySelector("[data-testid=viewer]")!.GetAttribute("title"));

        bruno.Dispose();
        brunoSecondTab.Dispose();

        thread.Cut.WaitForAssertion(() => Assert.Empty(thread.Avatars()));
    }

    [Fact]
    public async Task ManyViewers_ShowThreeAvatarsAndTheRestAsACount()
    {
        await using var context = new ComponentTestContext();
        var thread = await OpenAsync(context);
        string[] names = ["Bruno Lima", "Carla Dias", "Davi", "Eva Prado Reis"];
        var views = names.Select((name, i) => thread.Presence.View(thread.ConversationId, $"agent-{i}", name)).ToList();

        thread.Cut.WaitForAssertion(() => Assert.Equal(
            [("Bruno Lima", "BL"), ("Carla Dias", "CD"), ("Davi", "D"), ("Eva Prado Reis", "+1")], thread.Avatars()));
        views.ForEach(v => v.Dispose());
    }

    [Fact]
    public async Task ThreadClosed_TheAgentLeavesAtOnce_AndADroppedConnectionHidesThemUntilItReturns()
    {
        await using var context = new ComponentTestContext();
        var thread = await OpenAsync(context);
        var circuit = context.GetService<ViewingCircuitHandler>();
        IReadOnlyList<string> Viewers() => thread.Presence.Snapshot(thread.ConversationId).Viewers.Select(v => v.Name).ToList();
        Assert.Equal(["Ana Souza"], Viewers());

        await circuit.OnConnectionDownAsync(null!, CancellationToken.None);
        Assert.Empty(Viewers());
        await circuit.OnConnectionUpAsync(null!, CancellationToken.None);
        Assert.Equal(["Ana Souza"], Viewers());

        await context.DisposeComponentsAsync();

        Assert.Empty(Viewers());
    }

    [Fact]
    public async Task AnotherAgentTyping_ShowsInTheLiveRegion_AsAReplyOrANote_AndGoesWhenItExpires()
    {
        await using var context = new ComponentTestContext();
        var thread = await OpenAsync(context);
        var region = thread.Cut.Find("[data-testid=typing]");
        Assert.Equal("polite", region.GetAttribute("aria-live"));
        Assert.Equal("", thread.Typing());

        thread.Presence.Typing(thread.ConversationId, "agent-bruno", "Bruno Lima");
        thread.Cut.WaitForAssertion(() => Assert.Equal("Bruno Lima está digitando…", thread.Typing()));

        thread.Presence.Typing(thread.ConversationId, "agent-bruno", "Bruno Lima", isNote: true);
        thread.Cut.WaitForAssertion(() => Assert.Equal("Bruno Lima está escrevendo uma nota…", thread.Typing()));

        context.Clock.Advance(thread.Presence.Options.TypingExpiresAfter);

        thread.Cut.WaitForAssertion(() => Assert.Equal("", thread.Typing()));
    }

    [Fact]
    public async Task TheAgentsOwnTyping_IsNotShownToThem_ButTheCustomersIs_WithTheContactsName()
    {
        await using var context = new ComponentTestContext();
        var thread = await OpenAsync(context);

        thread.Presence.Typing(thread.ConversationId, "agent-ana", "Ana Souza");
        thread.Presence.Typing(thread.ConversationId, null, "Visitante do site", isContact: true);

        thread.Cut.WaitForAssertion(() => Assert.Equal("Maria Silva está digitando…", thread.Typing()));

        thread.Presence.StoppedTyping(thread.ConversationId, null, "Visitante do site", isContact: true);

        thread.Cut.WaitForAssertion(() => Assert.Equal("", thread.Typing()));
    }

    [Fact]
    public async Task InEnglish_TheTypingLineAndTheViewersAreInEnglish()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.English);
        var thread = await OpenAsync(context);

        using var bruno = thread.Presence.View(thread.ConversationId, "agent-bruno", "Bruno Lima");
        thread.Presence.Typing(thread.ConversationId, "agent-bruno", "Bruno Lima", isNote: true);

        thread.Cut.WaitForAssertion(() =>
        {
            Assert.Equal("Bruno Lima is writing a note…", thread.Typing());
            Assert.Equal("Also in this conversation", thread.Cut.Find("[data-testid=viewers]").GetAttribute("aria-label"));
        });
    }
}
