using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Inbox;

/// <summary>
/// "Who is here" with two agents' browsers on the real app: the admin (A, "Admin") and Bruno (B) open the same
/// conversation and see each other's avatar, see each other typing, and a website visitor's typing shows on the agent's
/// page (and the agent's reply being typed, in the widget).
/// </summary>
public sealed class WhoIsHereTests(WhoIsHereTests.Fixture fixture) : IClassFixture<WhoIsHereTests.Fixture>, IAsyncLifetime
{
    /// <summary>
    /// A typing line lasts a minute here instead of 6 s: every check that it goes must see it go because the typist sent
    /// or emptied the draft, never because it expired while the test waited.
    /// </summary>
    public sealed class Fixture : BrowserFixture
    {
        protected override IDictionary<string, string?> AppSettings => new Dictionary<string, string?>
        {
            ["TalkToMe:ConversationPresence:TypingExpiresAfter"] = "00:01:00",
        };
    }

    private const string AgentBEmail = "bruno.presenca@talktome.local";
    private const string AgentBPassword = "Senha-Bruno-123";
    private HostPageServer _site = null!;

    public async Task InitializeAsync()
    {
        _site = await HostPageServer.StartAsync();
        await using var db = await Factory.CreateDbContextAsync();
        if (!await db.Users.AnyAsync(u => u.Email == AgentBEmail))
        {
            await fixture.App.CreateUserAsync(AgentBEmail, AgentBPassword, Roles.Agent, "Bruno Lima");
        }
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private IDbContextFactory<TalkToMeDbContext> Factory => fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    private async Task<int> CustomerWritesAsync(string contactName)
    {
        await using var db = await Factory.CreateDbContextAsync();
        var channelId = await db.Channels.Where(c => c.Name == "API Loja").Select(c => c.Id).SingleAsync();
        var received = await fixture.App.Services.GetRequiredService<InboundWriter>().ReceiveAsync(new InboundMessage(
            channelId, "presenca-" + Guid.NewGuid().ToString("N"), contactName, Guid.NewGuid().ToString("N"), "Meu pedido não chegou"));
        return received.ConversationId!.Value;
    }

    /// <summary>Signed in and on the conversation, over the live circuit (clicks on prerendered markup would be lost).</summary>
    private async Task<IPage> OpenConversationAsync(int conversationId, string email = TestApp.AdminEmail, string password = TestApp.AdminPassword)
    {
        var page = await fixture.SignedInPageAsync(email, password);
        await OpenAsync(page, conversationId);
        return page;
    }

    private static async Task OpenAsync(IPage page, int conversationId)
    {
        await page.GotoAsync($"/conversations/{conversationId}");
        await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("thread-contact")).ToBeVisibleAsync();
    }

    /// <summary>Waits for server-side state the way Expect waits for the page: checks again until it holds or 15 s pass.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The server never got there.");
            await Task.Delay(50);
        }
    }

    private static ILocator Avatar(IPage page, string name) => page.GetByTestId("viewers").GetByRole(AriaRole.Img, new() { Name = name });

    [Fact]
    public async Task AOpensTheConversation_BSeesTheirAvatar_AndItGoesWhenALeavesOrClosesTheTab()
    {
        var conversationId = await CustomerWritesAsync("Helena Prado");
        var agentB = await OpenConversationAsync(conversationId, AgentBEmail, AgentBPassword);
        await Expect(agentB.GetByTestId("viewers")).ToHaveCountAsync(0);

        var agentA = await OpenConversationAsync(conversationId);

        await Expect(Avatar(agentB, "Admin")).ToHaveTextAsync("A");
        await Expect(Avatar(agentA, "Bruno Lima")).ToHaveTextAsync("BL");
        await Expect(agentB.GetByTestId("viewers").GetByRole(AriaRole.Img)).ToHaveCountAsync(1);

        // A goes back to the list (in the page, over the same circuit): gone from B's header at once.
        await agentA.Locator("a.ttm-brand").ClickAsync();
        await Expect(agentA.GetByTestId("thread-contact")).ToHaveCountAsync(0);
        await Expect(agentB.GetByTestId("viewers")).ToHaveCountAsync(0);

        // A comes back, then closes the tab: the connection drops and the avatar goes.
        await OpenAsync(agentA, conversationId);
        await Expect(Avatar(agentB, "Admin")).ToBeVisibleAsync();
        await agentA.Context.CloseAsync();

        await Expect(agentB.GetByTestId("viewers")).ToHaveCountAsync(0);
        await agentB.Context.CloseAsync();
    }

    [Fact]
    public async Task ATypesAReplyOrANote_BSeesWhoIsTyping_AndItGoesWhenASends()
    {
        var conversationId = await CustomerWritesAsync("Rafael Nunes");
        var agentB = await OpenConversationAsync(conversationId, AgentBEmail, AgentBPassword);
        var agentA = await OpenConversationAsync(conversationId);
        var typingOnB = agentB.GetByTestId("typing");
        await Expect(typingOnB).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(typingOnB).ToHaveTextAsync("");

        var reply = agentA.GetByLabel("Responder");
        await PageActions.WaitForReplyBoxAsync(agentA);
        await reply.PressSequentiallyAsync("Olá Rafael");

        await Expect(typingOnB).ToHaveTextAsync("Admin está digitando…");

        await reply.PressAsync("Enter");

        await Expect(agentB.GetByTestId("thread").GetByText("Olá Rafael")).ToBeVisibleAsync();
        await Expect(typingOnB).ToHaveTextAsync("");

        // A private note says so: B knows A is not answering the customer.
        await agentA.GetByRole(AriaRole.Tab, new() { Name = "Nota privada" }).ClickAsync();
        await agentA.GetByLabel("Nota privada").PressSequentiallyAsync("Cliente VIP");

        await Expect(typingOnB).ToHaveTextAsync("Admin está escrevendo uma nota…");
        // B's own typing is not shown to B, and A sees B's.
        await agentB.GetByLabel("Responder").PressSequentiallyAsync("Oi");
        await Expect(agentA.GetByTestId("typing")).ToHaveTextAsync("Bruno Lima está digitando…");
        await Expect(typingOnB).ToHaveTextAsync("Admin está escrevendo uma nota…");

        await agentA.Context.CloseAsync();
        await agentB.Context.CloseAsync();
    }

    [Fact]
    public async Task WidgetVisitorTyping_ShowsOnTheAgentsPage_AndTheAgentsReplyBeingTyped_ShowsInTheWidget()
    {
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
            var channel = new Channel("Chat Presença", ChannelType.Website, Secrets.NewKey(), DateTime.UtcNow);
            channel.SetSettings(new WebsiteSettings { WebsiteUrl = _site.BaseUrl, WelcomeTitle = "Loja Exemplo" });
            channel.SetSwitches(true, false);
            db.Channels.Add(channel);
            await db.SaveChangesAsync();
            _site.Html = $"""
                <!DOCTYPE html><html><head><title>Loja Exemplo</title></head><body><h1>Loja Exemplo</h1>
                <script src="{fixture.App.BaseUrl}/widget.js" data-channel="{channel.PublicKey}" async></script></body></html>
                """;
        }

        var visitor = await fixture.Browser.NewPageAsync();
        await visitor.GotoAsync(_site.BaseUrl + "/");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Abrir chat" }).ClickAsync();
        var chat = visitor.FrameLocator("iframe[data-talktome=frame]");
        var input = chat.GetByLabel("Sua mensagem");
        await input.FillAsync("Vocês entregam no sábado?");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chat.GetByTestId("widget-message").Last).ToHaveTextAsync("Vocês entregam no sábado?");
        int conversationId;
        await using (var db = await Factory.CreateDbContextAsync())
        {
            conversationId = await db.Conversations.Where(c => c.Channel.Name == "Chat Presença").Select(c => c.Id).SingleAsync();
        }

        var agent = await OpenConversationAsync(conversationId);
        var typing = agent.GetByTestId("typing");
        await Expect(typing).ToHaveTextAsync("");

        await input.PressSequentiallyAsync("E no domingo");

        await Expect(typing).ToHaveTextAsync("Visitante do site está digitando…");

        await input.PressAsync("Enter");
        await Expect(agent.GetByTestId("thread").GetByText("E no domingo")).ToBeVisibleAsync();
        // The Enter's newline may reach the server after the send: the sent text must not come back into the box.
        await Expect(input).ToHaveValueAsync("");
        await Expect(typing).ToHaveTextAsync("");

        // The other way: the agent's reply being typed shows in the widget; a private note never does.
        var widgetTyping = chat.GetByTestId("widget-typing");
        await agent.GetByLabel("Responder").PressSequentiallyAsync("Entregamos sim");
        await Expect(widgetTyping).ToHaveTextAsync("Admin está digitando…");
        await agent.GetByLabel("Responder").FillAsync("");
        await Expect(widgetTyping).ToHaveTextAsync("");
        await agent.GetByRole(AriaRole.Tab, new() { Name = "Nota privada" }).ClickAsync();
        await agent.GetByLabel("Nota privada").PressSequentiallyAsync("Cliente pergunta muito");
        await Expect(agent.GetByLabel("Nota privada")).ToHaveValueAsync("Cliente pergunta muito");
        // The server has heard the note being typed, and the widget (which heard it too) still shows nothing.
        var presence = fixture.App.Services.GetRequiredService<TalkToMe.Core.Realtime.ConversationPresence>();
        await WaitUntilAsync(() => presence.Snapshot(conversationId).Typists.Any(t => t.IsNote));
        await Expect(widgetTyping).ToHaveTextAsync("");

        await agent.Context.CloseAsync();
        await visitor.CloseAsync();
    }
}
