using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Inbox;

/// <summary>
/// Two agents' browsers on the real app: customer messages arrive through the API channel over HTTP and show up live,
/// replies leave through the signed webhook to a local receiver, changes on one page show on the other.
/// </summary>
public sealed class InboxLiveTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string AgentBEmail = "bruno@talktome.local";
    private const string AgentBPassword = "Senha-Bruno-123";
    private static readonly SemaphoreSlim AgentCreation = new(1, 1);
    private WebhookReceiver _webhook = null!;
    private int _channelId;
    private string _token = "";
    private string _secret = "";

    public async Task InitializeAsync()
    {
        _webhook = await WebhookReceiver.StartAsync();
        (_channelId, _token, _secret) = await ConfigureApiChannelAsync(_webhook.Url);
        await AgentCreation.WaitAsync();
        try
        {
            await using var db = await Factory.CreateDbContextAsync();
            if (!await db.Users.AnyAsync(u => u.Email == AgentBEmail))
            {
                await fixture.App.CreateUserAsync(AgentBEmail, AgentBPassword, Roles.Agent, "Bruno Lima");
            }
        }
        finally
        {
            AgentCreation.Release();
        }
    }

    public async Task DisposeAsync() => await _webhook.DisposeAsync();

    private IDbContextFactory<TalkToMeDbContext> Factory => fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    private async Task<(int ChannelId, string Token, string Secret)> ConfigureApiChannelAsync(string webhookUrl)
    {
        await using var db = await Factory.CreateDbContextAsync();
        var channel = await db.Channels.SingleAsync(c => c.Name == "API Loja");
        var token = Secrets.NewToken("ttm_ch");
        var secret = Secrets.NewKey();
        channel.SetApiTokenHash(Secrets.Hash(token));
        channel.SetSettings(new ApiChannelSettings { WebhookUrl = webhookUrl, WebhookSecret = secret });
        await db.SaveChangesAsync();
        return (channel.Id, token, secret);
    }

    private async Task<int> PostInboundAsync(string contactId, string contactName, string text)
    {
        using var client = fixture.App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/channels/{_channelId}/messages")
        {
            Content = JsonContent.Create(new { contact = new { id = contactId, name = contactName }, text, id = Guid.NewGuid().ToString("N") }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("conversationId").GetInt32();
    }

    private async Task<IPage> SignedInAsync(string email = TestApp.AdminEmail, string password = TestApp.AdminPassword)
    {
        var page = await fixture.SignedInPageAsync(email, password);
        await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        return page;
    }

    /// <summary>Navigates and waits for the circuit: clicks on prerendered markup would be lost.</summary>
    private static async Task OpenAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    private static ILocator List(IPage page) => page.GetByTestId("conversation-list");

    private static ILocator TopContact(IPage page) => List(page).GetByTestId("contact-name").First;

    private static ILocator Assignee(IPage page) => page.GetByTestId("assign-button");

    [Fact]
    public async Task InboundApiMessage_AppearsAtTheTopOfBothAgentsLists_AndInTheOpenConversation_WithoutReload()
    {
        var agentA = await SignedInAsync();
        var agentB = await SignedInAsync(AgentBEmail, AgentBPassword);
        await Expect(List(agentA).GetByText("Mariana Costa")).ToBeVisibleAsync();
        await Expect(List(agentB).GetByText("Mariana Costa")).ToBeVisibleAsync();
        var urlA = agentA.Url;

        var conversationId = await PostInboundAsync("live-1", "Lúcia Prado", "Meu pedido 123 não chegou");

        await Expect(TopContact(agentA)).ToHaveTextAsync("Lúcia Prado");
        await Expect(TopContact(agentB)).ToHaveTextAsync("Lúcia Prado");
        var itemB = List(agentB).Locator($"[data-conversation-id='{conversationId}']");
        await Expect(itemB.GetByTestId("preview")).ToHaveTextAsync("Meu pedido 123 não chegou");
        await Expect(itemB.GetByTestId("unread")).ToHaveTextAsync("1");
        await Expect(itemB.GetByRole(AriaRole.Img)).ToHaveAttributeAsync("aria-label", "API");
        Assert.Equal(urlA, agentA.Url);

        // Agent A opens it; the next customer message lands in the open thread while B's unread count goes up.
        await List(agentA).GetByText("Lúcia Prado").ClickAsync();
        await Expect(agentA.GetByTestId("thread-contact")).ToHaveTextAsync("Lúcia Prado");
        await PostInboundAsync("live-1", "Lúcia Prado", "Alguém pode me ajudar?");

        await Expect(agentA.GetByTestId("thread").GetByText("Alguém pode me ajudar?")).ToBeVisibleAsync();
        await Expect(itemB.GetByTestId("preview")).ToHaveTextAsync("Alguém pode me ajudar?");
        await Expect(TopContact(agentB)).ToHaveTextAsync("Lúcia Prado");
    }

    [Fact]
    public async Task Reply_ReachesTheWebhookSigned_WhileAPrivateNoteReachesNobody()
    {
        var conversationId = await PostInboundAsync("reply-1", "Otávio Reis", "Qual o prazo de entrega?");
        var agentA = await SignedInAsync();
        await OpenAsync(agentA, $"/conversations/{conversationId}");
        var reply = agentA.GetByLabel("Responder");

        await PageActions.WaitForReplyBoxAsync(agentA);
        await reply.FillAsync("Chega amanhã!");
        await reply.PressAsync("Enter");

        var hook = (await _webhook.WaitForAsync(1))[0];
        Assert.Equal("sha256=" + ApiChannelSender.Sign(_secret, hook.Timestamp, hook.Body), hook.Signature);
        using (var json = JsonDocument.Parse(hook.Body))
        {
            Assert.Equal("message_created", json.RootElement.GetProperty("event").GetString());
            Assert.Equal("Chega amanhã!", json.RootElement.GetProperty("message").GetProperty("text").GetString());
            Assert.Equal("reply-1", json.RootElement.GetProperty("contact").GetProperty("id").GetString());
        }

        var sent = agentA.GetByTestId("thread").Locator("[data-testid=message]", new() { HasText = "Chega amanhã!" });
        await Expect(sent.GetByTestId("delivery")).ToHaveTextAsync("enviada");
        await Expect(reply).ToHaveValueAsync("");

        await agentA.GetByRole(AriaRole.Tab, new() { Name = "Nota privada" }).ClickAsync();
        await Expect(agentA.GetByRole(AriaRole.Tab, new() { Name = "Nota privada" })).ToHaveAttributeAsync("aria-selected", "true");
        await agentA.Locator("#reply-text").FillAsync("Cliente VIP, priorizar.");
        await agentA.Locator("#reply-text").PressAsync("Enter");
        var note = agentA.GetByTestId("thread").Locator("[data-kind=PrivateNote]", new() { HasText = "Cliente VIP, priorizar." });
        await Expect(note.GetByTestId("note-label")).ToHaveTextAsync("Nota privada");

        // A later reply is delivered; the note before it never was.
        await agentA.GetByRole(AriaRole.Tab, new() { Name = "Responder" }).ClickAsync();
        await Expect(agentA.GetByRole(AriaRole.Tab, new() { Name = "Nota privada" })).ToHaveAttributeAsync("aria-selected", "false");
        await agentA.Locator("#reply-text").FillAsync("Mais alguma dúvida?\nEstou à disposição.");
        await agentA.Locator("#reply-text").PressAsync("Enter");
        var second = (await _webhook.WaitForAsync(2))[1];
        Assert.Contains("Mais alguma dúvida?\\nEstou à disposição.", second.Body);
        Assert.DoesNotContain(_webhook.Received, h => h.Body.Contains("Cliente VIP"));
        await using var db = await Factory.CreateDbContextAsync();
        var stored = await db.Messages.SingleAsync(m => m.ConversationId == conversationId && m.Kind == MessageKind.PrivateNote);
        Assert.Equal(DeliveryStatus.None, stored.DeliveryStatus);
    }

    [Fact]
    public async Task ShiftEnter_BreaksTheLine_AndSlashOpensCannedResponses()
    {
        var admin = new Actor((await AdminIdAsync()), "Admin", IsAdmin: true);
        await fixture.App.Services.GetRequiredService<CannedResponseService>().SaveAsync(admin, null, "prazo", "O prazo é de 3 dias úteis.");
        var conversationId = await PostInboundAsync("canned-1", "Sílvia Matos", "E o prazo?");
        var page = await SignedInAsync();
        await OpenAsync(page, $"/conversations/{conversationId}");
        var reply = page.GetByLabel("Responder");

        await reply.PressSequentiallyAsync("/pra");
        await page.GetByRole(AriaRole.Option).GetByText("O prazo é de 3 dias úteis.").ClickAsync();
        await Expect(reply).ToHaveValueAsync("O prazo é de 3 dias úteis.");
        await reply.PressAsync("Shift+Enter");
        await reply.PressSequentiallyAsync("Abraço");
        await Expect(reply).ToHaveValueAsync("O prazo é de 3 dias úteis.\nAbraço");
        await reply.PressAsync("Enter");

        var hook = (await _webhook.WaitForAsync(1))[0];
        Assert.Contains("O prazo é de 3 dias úteis.\\nAbraço", hook.Body);
    }

    [Fact]
    public async Task ActivityLine_ReadsInEachAgentsLanguage_LiveAndAfterReload()
    {
        var conversationId = await PostInboundAsync("activity-en-1", "Helena Prado", "Can you close this?");
        var portuguese = await SignedInAsync();
        var english = await SignedInAsync(AgentBEmail, AgentBPassword);
        // The language menu's own route: a cookie and a full reload, as a user switching to English does.
        await english.GotoAsync($"/culture/set?culture=en&redirectUri=/conversations/{conversationId}");
        await Expect(english.Locator("[data-interactive=true]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await OpenAsync(portuguese, $"/conversations/{conversationId}");

        await portuguese.GetByRole(AriaRole.Button, new() { Name = "Resolver" }).ClickAsync();

        // Stored once as data; each reader sees it in their own language, the English one live without reload.
        var englishLine = english.GetByTestId("thread").Locator("[data-activity-kind=Resolved]");
        await Expect(englishLine).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Conversation resolved by .+"));
        await Expect(portuguese.GetByTestId("thread").Locator("[data-activity-kind=Resolved]"))
            .ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Conversa resolvida por .+"));
        await OpenAsync(english, $"/conversations/{conversationId}");
        await Expect(englishLine).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Conversation resolved by .+"));
    }

    [Fact]
    public async Task Resolve_OnAgentA_ShowsOnAgentB()
    {
        var conversationId = await PostInboundAsync("resolve-1", "Renata Alves", "Pode encerrar, obrigada");
        var agentA = await SignedInAsync();
        var agentB = await SignedInAsync(AgentBEmail, AgentBPassword);
        await OpenAsync(agentB, $"/conversations/{conversationId}");
        await Expect(agentB.GetByTestId("thread-status")).ToHaveTextAsync("Aberta");
        var itemB = List(agentB).Locator($"[data-conversation-id='{conversationId}']");
        await Expect(itemB).ToBeVisibleAsync();
        await OpenAsync(agentA, $"/conversations/{conversationId}");

        await agentA.GetByRole(AriaRole.Button, new() { Name = "Resolver" }).ClickAsync();

        await Expect(agentB.GetByTestId("thread-status")).ToHaveTextAsync("Resolvida");
        await Expect(agentB.GetByRole(AriaRole.Button, new() { Name = "Reabrir" })).ToBeVisibleAsync();
        await Expect(itemB).ToHaveCountAsync(0);
        await Expect(agentB.GetByTestId("thread").GetByText("Conversa resolvida por", new() { Exact = false })).ToBeVisibleAsync();

        // And assignment made by B shows on A.
        await agentB.GetByRole(AriaRole.Button, new() { Name = "Atribuir" }).ClickAsync();
        await agentB.GetByRole(AriaRole.Menuitem, new() { Name = "Bruno Lima" }).ClickAsync();
        await Expect(Assignee(agentA)).ToHaveAttributeAsync("data-value", (await UserIdAsync(AgentBEmail))!);
        await Expect(Assignee(agentA)).ToContainTextAsync("Bruno Lima");
    }

    [Fact]
    public async Task Macro_RunInOneClick_AppliesAllItsSteps()
    {
        var admin = new Actor(await AdminIdAsync(), "Admin", IsAdmin: true);
        var labels = fixture.App.Services.GetRequiredService<LabelService>();
        if ((await labels.ListAsync()).All(l => l.Name != "entrega"))
        {
            Assert.Empty(await labels.SaveAsync(admin, null, "entrega", "#43a047"));
        }

        var bruno = await UserIdAsync(AgentBEmail);
        Assert.Empty(await fixture.App.Services.GetRequiredService<MacroService>().SaveAsync(admin, null, "Encerrar entrega",
        [
            new MacroAction(MacroActionType.SendMessage, "Sua entrega foi reagendada."),
            new MacroAction(MacroActionType.AddPrivateNote, "Reagendado via macro"),
            new MacroAction(MacroActionType.AddLabel, "entrega"),
            new MacroAction(MacroActionType.Assign, bruno),
            new MacroAction(MacroActionType.ChangePriority, "High"),
            new MacroAction(MacroActionType.Resolve, null),
        ]));
        var conversationId = await PostInboundAsync("macro-1", "Paulo Nunes", "Quero reagendar a entrega");
        var page = await SignedInAsync();
        await OpenAsync(page, $"/conversations/{conversationId}");

        await page.GetByTestId("macros-menu").GetByRole(AriaRole.Button, new() { Name = "Macros" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Encerrar entrega" }).ClickAsync();

        await Expect(page.GetByTestId("thread-status")).ToHaveTextAsync("Resolvida");
        await Expect(page.GetByTestId("label-chip")).ToContainTextAsync("entrega");
        await Expect(Assignee(page)).ToHaveAttributeAsync("data-value", bruno!);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Prioridade: Alta" })).ToBeVisibleAsync();
        var thread = page.GetByTestId("thread");
        await Expect(thread.Locator("[data-kind=Text]", new() { HasText = "Sua entrega foi reagendada." })).ToBeVisibleAsync();
        await Expect(thread.Locator("[data-kind=PrivateNote]", new() { HasText = "Reagendado via macro" })).ToBeVisibleAsync();
        var hook = (await _webhook.WaitForAsync(1))[0];
        Assert.Contains("Sua entrega foi reagendada.", hook.Body);
        Assert.True(await thread.Locator("[data-kind=Activity]").CountAsync() >= 5);
    }

    [Fact]
    public async Task NewConversation_OffersOnlyContatoAtivoChannels_StartsThroughOne_AndShowsTheServersRefusal()
    {
        var page = await SignedInAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Nova conversa" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Nova conversa" });
        await Expect(dialog).ToBeVisibleAsync();
        // The dialog opens with the focus on its first field, Canal.
        await Expect(dialog.GetByLabel("Canal", new() { Exact = true })).ToBeFocusedAsync();
        // By keyboard: Enter opens the list; Escape then closes the list only, and the dialog stays.
        var list = page.GetByRole(AriaRole.Listbox);
        await page.Keyboard.PressAsync("Enter");
        await Expect(list).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(list).ToHaveCountAsync(0);
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("Canal", new() { Exact = true }).ClickAsync();
        await Expect(list.GetByRole(AriaRole.Option, new() { Name = "WhatsApp Vendas", Exact = true })).ToBeVisibleAsync();
        var options = (await list.GetByRole(AriaRole.Option).AllTextContentsAsync()).Select(o => o.Trim()).ToList();
        Assert.Contains("WhatsApp Vendas", options);
        Assert.Contains("Suporte por e-mail", options);
        Assert.DoesNotContain("API Loja", options);
        Assert.DoesNotContain("Telegram", options);
        Assert.DoesNotContain("Site institucional", options);

        // Free text first messages: e-mail (WhatsApp starts with a template, see WhatsAppTemplateBrowserTests).
        await list.GetByRole(AriaRole.Option, new() { Name = "Suporte por e-mail", Exact = true }).ClickAsync();
        await Expect(list).ToHaveCountAsync(0);
        // A field message from the server shows on its field and goes away once the field is changed.
        await dialog.GetByLabel("Nova identidade").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Iniciar conversa" }).ClickAsync();
        await Expect(dialog.GetByText("Informe o telefone, e-mail ou identificador.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Telefone, e-mail ou identificador").FillAsync("x");
        await dialog.GetByLabel("Telefone, e-mail ou identificador").BlurAsync();
        await Expect(dialog.GetByText("Informe o telefone, e-mail ou identificador.")).ToHaveCountAsync(0);
        await dialog.GetByLabel("Nova identidade").CheckAsync();
        await dialog.GetByLabel("Telefone, e-mail ou identificador").FillAsync("helena.dias@example.com");
        await dialog.GetByLabel("Nome do contato").FillAsync("Helena Dias");
        await dialog.GetByLabel("Primeira mensagem").FillAsync("Olá Helena, seu orçamento está pronto.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Iniciar conversa" }).ClickAsync();

        await page.WaitForURLAsync("**/conversations/*", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("thread-contact")).ToHaveTextAsync("Helena Dias");
        await Expect(page.GetByTestId("thread").GetByText("Olá Helena, seu orçamento está pronto.")).ToBeVisibleAsync();

        // A channel loses "Contato ativo" while the dialog is open: the server refuses and the dialog says why.
        await page.GetByRole(AriaRole.Button, new() { Name = "Nova conversa" }).ClickAsync();
        await dialog.GetByLabel("Canal", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Suporte por e-mail", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Listbox)).ToHaveCountAsync(0);
        await dialog.GetByLabel("Nova identidade").CheckAsync();
        await dialog.GetByLabel("Telefone, e-mail ou identificador").FillAsync("cliente@example.com");
        await dialog.GetByLabel("Primeira mensagem").FillAsync("Olá!");
        await SetContatoAtivoAsync("Suporte por e-mail", false);
        try
        {
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Iniciar conversa" }).ClickAsync();
            await Expect(dialog.GetByTestId("new-conversation-refusal")).ToContainTextAsync("Contato ativo");
        }
        finally
        {
            await SetContatoAtivoAsync("Suporte por e-mail", true);
        }

        // Escape closes the modal.
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);

        await using var db = await Factory.CreateDbContextAsync();
        Assert.False(await db.ContactIdentities.AnyAsync(i => i.ExternalId == "cliente@example.com"));
    }

    [Fact]
    public async Task Inbox_FiltersByChannelAndSearchesMessageText()
    {
        await PostInboundAsync("search-1", "Quitéria Souza", "Código de rastreio XPTO-991");
        var page = await SignedInAsync();
        await Expect(List(page).GetByText("Mariana Costa")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Canal: Todos os canais" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "API Loja", Exact = true }).ClickAsync();
        await Expect(List(page).GetByText("Mariana Costa")).ToHaveCountAsync(0);
        await Expect(List(page).GetByText("Quitéria Souza")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Canal: API Loja" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Todos os canais", Exact = true }).ClickAsync();
        await Expect(List(page).GetByText("Mariana Costa")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Buscar por contato ou mensagem" }).FillAsync("XPTO-991");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buscar", Exact = true }).ClickAsync();
        await Expect(List(page).GetByTestId("conversation")).ToHaveCountAsync(1);
        await Expect(TopContact(page)).ToHaveTextAsync("Quitéria Souza");
        await Expect(List(page).Locator("mark")).ToHaveTextAsync(["XPTO", "991"]);

        // Without the accent, in lower case: the name is found and marked as it is written.
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Buscar por contato ou mensagem" }).FillAsync("quiteria");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buscar", Exact = true }).ClickAsync();
        await Expect(List(page).Locator("mark")).ToHaveTextAsync(["Quitéria"]);
        await Expect(List(page).GetByTestId("conversation")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task LiveArrivals_KeepTheListAtItsPageSize_AndThePushedOutRowComesBackWithCarregarMais()
    {
        for (var i = 0; i <= InboxQuery.DefaultPageSize; i++)
        {
            await PostInboundAsync($"window-{i}", $"Janela {i:00}", $"Mensagem {i}");
        }

        var page = await SignedInAsync();
        var rows = List(page).GetByTestId("conversation");
        await Expect(rows).ToHaveCountAsync(InboxQuery.DefaultPageSize);
        var oldestShown = await rows.Last.GetAttributeAsync("data-conversation-id");

        await PostInboundAsync("window-new", "Janela Nova", "Cheguei agora");

        // A page open all day does not grow: the newest arrives on top, the oldest row leaves the list…
        await Expect(TopContact(page)).ToHaveTextAsync("Janela Nova");
        await Expect(rows).ToHaveCountAsync(InboxQuery.DefaultPageSize);
        await Expect(List(page).Locator($"[data-conversation-id='{oldestShown}']")).ToHaveCountAsync(0);

        // …and is the first one "Carregar mais" brings back, once.
        await page.GetByRole(AriaRole.Button, new() { Name = "Carregar mais" }).ClickAsync();
        await Expect(rows.Nth(InboxQuery.DefaultPageSize)).ToHaveAttributeAsync("data-conversation-id", oldestShown!);
        await Expect(List(page).Locator($"[data-conversation-id='{oldestShown}']")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task TabBecomingVisibleAgain_ResyncsWhatThePageMissed()
    {
        var conversationId = await PostInboundAsync("resync-1", "Ulisses Prata", "Oi");
        var page = await SignedInAsync();
        await Expect(List(page).Locator($"[data-conversation-id='{conversationId}']")).ToBeVisibleAsync();

        // A change the page never got a push for (as if the socket had dropped while it was published).
        await using (var db = await Factory.CreateDbContextAsync())
        {
            var contact = await db.Contacts.SingleAsync(c => c.Name == "Ulisses Prata");
            contact.Rename("Ulisses Prata Filho");
            await db.SaveChangesAsync();
        }

        await Expect(List(page).GetByText("Ulisses Prata Filho")).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => document.dispatchEvent(new Event('visibilitychange'))");

        await Expect(List(page).GetByText("Ulisses Prata Filho")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Thread_OpensOnTheNewestMessage_KeepsTheAgentsPlaceWhenScrolledUp_AndFollowsWhatTheAgentSends()
    {
        var conversationId = 0;
        for (var i = 1; i <= 30; i++)
        {
            conversationId = await PostInboundAsync("scroll-1", "Tereza Campos", $"Linha {i:00} de uma conversa longa");
        }

        var page = await SignedInAsync();
        await OpenAsync(page, $"/conversations/{conversationId}");
        var scroller = page.GetByTestId("thread-scroll");
        await Expect(scroller).ToHaveAttributeAsync("tabindex", "0");
        await Expect(scroller).ToHaveAttributeAsync("aria-label", "Mensagens");
        await Expect(page.GetByTestId("thread").GetByText("Linha 30 de uma conversa longa")).ToBeInViewportAsync();
        await Expect(page.GetByTestId("thread").GetByText("Linha 01 de uma conversa longa")).Not.ToBeInViewportAsync();

        // Scrolled up to read: a new customer message does not pull the agent down, a pill offers the way.
        await scroller.EvaluateAsync("el => el.scrollTop = 0");
        await Expect(page.GetByTestId("thread").GetByText("Linha 01 de uma conversa longa")).ToBeInViewportAsync();
        await PostInboundAsync("scroll-1", "Tereza Campos", "Linha 31 chegou agora");
        var pill = page.GetByRole(AriaRole.Button, new() { Name = "Novas mensagens" });
        await Expect(pill).ToBeVisibleAsync();
        await Expect(page.GetByTestId("thread").GetByText("Linha 01 de uma conversa longa")).ToBeInViewportAsync();
        await pill.ClickAsync();
        await Expect(page.GetByTestId("thread").GetByText("Linha 31 chegou agora")).ToBeInViewportAsync();
        await Expect(pill).ToBeHiddenAsync();

        // What the agent sends is shown even if they had scrolled up.
        await scroller.EvaluateAsync("el => el.scrollTop = 0");
        var reply = page.GetByLabel("Responder");
        await PageActions.WaitForReplyBoxAsync(page);
        await reply.FillAsync("Resposta do agente no fim da conversa");
        await reply.PressAsync("Enter");
        await Expect(page.GetByTestId("thread").GetByText("Resposta do agente no fim da conversa")).ToBeInViewportAsync();
        await Expect(page.GetByTestId("day-separator").First).ToHaveTextAsync("Hoje");
    }

    [Fact]
    public async Task AddingALabel_ShowsItAsAChip_AndTheAddControlDoesNotLookLikeAnotherLabelWasApplied()
    {
        var admin = new Actor(await AdminIdAsync(), "Admin", IsAdmin: true);
        var labels = fixture.App.Services.GetRequiredService<LabelService>();
        foreach (var (name, color) in new[] { ("entrega", "#43a047"), ("vip", "#8e24aa") })
        {
            if ((await labels.ListAsync()).All(l => l.Name != name))
            {
                Assert.Empty(await labels.SaveAsync(admin, null, name, color));
            }
        }

        var conversationId = await PostInboundAsync("label-1", "Vera Lins", "Sou cliente antiga");
        var page = await SignedInAsync();
        await OpenAsync(page, $"/conversations/{conversationId}");
        var area = page.GetByTestId("conversation-labels");
        await Expect(area.GetByTestId("label-chip")).ToHaveCountAsync(0);

        await area.GetByRole(AriaRole.Button, new() { Name = "Adicionar etiqueta" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "vip", Exact = true }).ClickAsync();

        await Expect(area.GetByTestId("label-chip")).ToHaveCountAsync(1);
        await Expect(area.GetByTestId("label-chip")).ToContainTextAsync("vip");
        // The add control names its action, never a label that was not applied (the old select showed the next one).
        await Expect(area.GetByTestId("add-label")).ToHaveTextAsync("+ Adicionar etiqueta");
        await Expect(area).Not.ToContainTextAsync("entrega");
        await area.GetByRole(AriaRole.Button, new() { Name = "Adicionar etiqueta" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "entrega", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "vip", Exact = true })).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");

        await area.GetByRole(AriaRole.Button, new() { Name = "Remover etiqueta vip" }).ClickAsync();
        await Expect(area.GetByTestId("label-chip")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Snoozing_ShowsUntilWhen()
    {
        var conversationId = await PostInboundAsync("snooze-1", "Wagner Dias", "Me chame amanhã");
        var page = await SignedInAsync();
        await OpenAsync(page, $"/conversations/{conversationId}");

        await page.GetByRole(AriaRole.Button, new() { Name = "Adiar" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Amanhã" }).ClickAsync();

        await Expect(page.GetByTestId("thread-status")).ToHaveTextAsync("Adiada");
        // "Amanhã" is tomorrow at noon (UTC), shown in the server's local time.
        var until = DateTime.UtcNow.Date.AddDays(1).AddHours(12).ToLocalTime();
        await Expect(page.GetByTestId("snoozed-until")).ToHaveTextAsync($"Adiada até {until:dd/MM HH:mm}");
    }

    [Fact]
    public async Task Phone_ShowsTheListThenTheConversationWithABackButton_AndNothingOverflows()
    {
        var conversationId = await PostInboundAsync("phone-1", "Xênia Rocha", "Escrevo do celular");
        var page = await SignedInAsync();
        await page.SetViewportSizeAsync(390, 844);
        await OpenAsync(page, "/");
        var row = List(page).Locator($"[data-conversation-id='{conversationId}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.GetByTestId("thread-contact")).ToHaveCountAsync(0);
        await AssertNoHorizontalOverflowAsync(page);

        await row.ClickAsync();
        await Expect(page.GetByTestId("thread-contact")).ToHaveTextAsync("Xênia Rocha");
        await Expect(List(page)).ToBeHiddenAsync();
        await Expect(page.GetByLabel("Responder")).ToBeInViewportAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Enviar", Exact = true })).ToBeInViewportAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resolver" })).ToBeInViewportAsync();
        await AssertNoHorizontalOverflowAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Voltar para a lista" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/conversations/"), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.GetByTestId("thread-contact")).ToHaveCountAsync(0);
    }

    private static async Task AssertNoHorizontalOverflowAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "The page scrolls sideways");

    private async Task SetContatoAtivoAsync(string channelName, bool on)
    {
        await using var db = await Factory.CreateDbContextAsync();
        var channel = await db.Channels.SingleAsync(c => c.Name == channelName);
        channel.SetSwitches(channel.IsActive, on);
        await db.SaveChangesAsync();
    }

    private async Task<string> AdminIdAsync() => (await UserIdAsync(TestApp.AdminEmail))!;

    private async Task<string?> UserIdAsync(string email)
    {
        await using var db = await Factory.CreateDbContextAsync();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleOrDefaultAsync();
    }
}
