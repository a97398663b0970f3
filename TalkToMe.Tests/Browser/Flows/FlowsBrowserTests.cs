using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Tests.Browser.Channels;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Flows;

/// <summary>
/// The Fluxos page and the Chatbot test chat (/chatbot/{id}), through the real UI: what an admin builds there is what a
/// customer then talks to. One class so both share one app and one Chromium on this small machine.
/// </summary>
public class FlowsBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static PageGetByLabelOptions Exact => new() { Exact = true };
    private static LocatorGetByLabelOptions ExactIn => new() { Exact = true };

    [Fact]
    public async Task Fluxos_AdminCreatesAFlowWithEveryStepType_SeesItListed_AndReordersAndEditsIt()
    {
        await AddGroupAsync("Vendas Fluxos");
        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/flows");
        await page.GetByRole(AriaRole.Link, new() { Name = "Novo fluxo", Exact = true }).First.ClickAsync();
        await page.WaitForURLAsync("**/flows/new", new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.GetByLabel("Nome", Exact).FillAsync("Triagem");
        var steps = page.GetByTestId("flow-step");
        // Passo 1: Mensagem (the type a new flow starts with).
        await Expect(steps.Nth(0).GetByLabel("Tipo", ExactIn)).ToHaveValueAsync("Mensagem");
        await steps.Nth(0).GetByLabel("Texto", ExactIn).FillAsync("Olá! Bem-vindo.");
        // Passo 2: Pergunta, its answer kept under "nome".
        await AddStepAsync(page, 2, "Pergunta");
        await steps.Nth(1).GetByLabel("Texto", ExactIn).FillAsync("Qual é o seu nome?");
        await steps.Nth(1).GetByLabel("Chave da resposta", ExactIn).FillAsync("nome");
        // Passo 3: Menu — one option goes to a step, one to a channel group, one ends the conversation.
        await AddStepAsync(page, 3, "Menu");
        var menu = steps.Nth(2);
        await menu.GetByLabel("Texto", ExactIn).FillAsync("{{nome}}, como podemos ajudar?");
        await menu.GetByRole(AriaRole.Button, new() { Name = "Adicionar opção" }).ClickAsync();
        await menu.GetByLabel("Opção 1", ExactIn).FillAsync("Comprar");
        await ChooseAsync(menu, "Destino da opção 1", "Um grupo de canais");
        await ChooseAsync(menu, "Para onde vai a opção 1", "Vendas Fluxos");
        await menu.GetByRole(AriaRole.Button, new() { Name = "Adicionar opção" }).ClickAsync();
        await menu.GetByLabel("Opção 2", ExactIn).FillAsync("Ouvir de novo");
        await ChooseAsync(menu, "Para onde vai a opção 2", "Passo 1");
        await menu.GetByRole(AriaRole.Button, new() { Name = "Adicionar opção" }).ClickAsync();
        await menu.GetByLabel("Opção 3", ExactIn).FillAsync("Sair");
        await ChooseAsync(menu, "Destino da opção 3", "Encerrar");
        await Expect(menu.GetByLabel("Para onde vai a opção 3", ExactIn)).ToHaveCountAsync(0);
        // Passo 4: Transferir to any agent; Passo 5: Encerrar.
        await AddStepAsync(page, 4, "Transferir");
        await steps.Nth(3).GetByLabel("Texto", ExactIn).FillAsync("Vou te passar para um atendente.");
        await Expect(steps.Nth(3).GetByLabel("Transferir para o grupo", ExactIn)).ToHaveValueAsync("Qualquer agente");
        await AddStepAsync(page, 5, "Encerrar");
        await steps.Nth(4).GetByLabel("Texto", ExactIn).FillAsync("Até logo!");
        // Clicked again if the click is dropped under load; the page saves once however often it is clicked.
        await PageActions.ClickAndWaitForUrlAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }), new Regex("/flows$"));
        await Expect(page.GetByText("Fluxo salvo.")).ToBeVisibleAsync();
        // The list's search narrows it to the new flow.
        await page.GetByLabel("Buscar fluxos", Exact).FillAsync("Triag");
        var row = FlowRows(page).Filter(new() { HasText = "Triagem" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(FlowRows(page)).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("flow-steps")).ToHaveTextAsync("5");

        // Editing: the steps come back as saved; moving the Pergunta up keeps the menu option on the Mensagem (now Passo 2).
        await row.GetByRole(AriaRole.Link, new() { Name = "Editar" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/flows/\d+$"), new() { Timeout = 15_000 });
        await Expect(page.GetByLabel("Nome", Exact)).ToHaveValueAsync("Triagem");
        await Expect(steps).ToHaveCountAsync(5);
        await Expect(steps.Nth(2).GetByLabel("Opção 2", ExactIn)).ToHaveValueAsync("Ouvir de novo");
        await Expect(steps.Nth(2).GetByLabel("Para onde vai a opção 1", ExactIn)).ToHaveValueAsync("Vendas Fluxos");
        await steps.Nth(1).GetByRole(AriaRole.Button, new() { Name = "Subir o passo 2", Exact = true }).ClickAsync();
        await Expect(steps.Nth(0).GetByTestId("flow-step-title")).ToHaveTextAsync("Passo 1 · Pergunta");
        await Expect(steps.Nth(1).GetByTestId("flow-step-title")).ToHaveTextAsync("Passo 2 · Mensagem");
        await Expect(steps.Nth(2).GetByLabel("Para onde vai a opção 2", ExactIn)).ToHaveValueAsync("Passo 2");
        await steps.Nth(1).GetByLabel("Texto", ExactIn).FillAsync("Oi! Seja bem-vindo.");
        await PageActions.ClickAndWaitForUrlAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }), new Regex("/flows$"));

        await using var db = await DbAsync();
        var flow = await db.Flows.Include(f => f.Steps).SingleAsync(f => f.Name == "Triagem");
        var saved = flow.OrderedSteps();
        Assert.Equal([FlowStepType.Question, FlowStepType.Message, FlowStepType.Menu, FlowStepType.Transfer, FlowStepType.End],
            saved.Select(s => s.Type));
        Assert.Equal("nome", saved[0].AnswerKey);
        Assert.Equal("Oi! Seja bem-vindo.", saved[1].Text);
        var group = await db.ChannelGroups.SingleAsync(g => g.Name == "Vendas Fluxos");
        Assert.Equal(
            [new MenuOption("Comprar", MenuTargetType.ChannelGroup, group.Id.ToString()), new MenuOption("Ouvir de novo", MenuTargetType.Step, "2"),
             new MenuOption("Sair", MenuTargetType.End, null)],
            saved[2].Options);
    }

    [Fact]
    public async Task Fluxos_InvalidInput_ShowsAMessagePerFieldAndSavesNothing()
    {
        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/flows/new");
        var steps = page.GetByTestId("flow-step");
        await ChooseAsync(steps.Nth(0), "Tipo", "Menu");
        await steps.Nth(0).GetByLabel("Texto", ExactIn).FillAsync("Escolha uma opção");
        await AddStepAsync(page, 2, "Pergunta");
        await steps.Nth(1).GetByLabel("Texto", ExactIn).FillAsync("Qual é o seu e-mail?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.Locator("[data-field='Name']")).ToHaveTextAsync("Informe o nome do fluxo.");
        await Expect(page.Locator("[data-field='Steps[0].Options']")).ToHaveTextAsync("Adicione pelo menos uma opção.");
        await Expect(page.Locator("[data-field='Steps[1].AnswerKey']")).ToHaveTextAsync("Informe a chave em que a resposta será guardada.");

        // An option without a text or a destination step is refused too; a key with spaces gets the format hint.
        await page.GetByLabel("Nome", Exact).FillAsync("Incompleto");
        // A click that reaches the server while the name's re-render replaces the step's handlers is dropped by Blazor
        // (CI, session 11, load 30), so click again until the option is there.
        var options = steps.Nth(0).GetByTestId("flow-option");
        for (var attempt = 0; attempt < 3 && await options.CountAsync() == 0; attempt++)
        {
            await steps.Nth(0).GetByRole(AriaRole.Button, new() { Name = "Adicionar opção" }).ClickAsync();
            try
            {
                await options.First.WaitForAsync(new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
            }
        }

        await Expect(options).ToHaveCountAsync(1);
        // Fixed fields lose their message at once, before the next save.
        await Expect(page.Locator("[data-field='Name']")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-field='Steps[0].Options']")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-field='Steps[1].AnswerKey']")).ToHaveCountAsync(1);
        await steps.Nth(1).GetByLabel("Chave da resposta", ExactIn).FillAsync("e mail");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.Locator("[data-field='Steps[0].Options[0].Label']")).ToHaveTextAsync("Informe o texto da opção.");
        await Expect(page.Locator("[data-field='Steps[0].Options[0].TargetValue']")).ToHaveTextAsync("Escolha um passo entre 1 e 2.");
        await Expect(page.Locator("[data-field='Steps[1].AnswerKey']")).ToContainTextAsync("Use só letras, números e _");
        await Expect(page.Locator("[data-field='Name']")).ToHaveCountAsync(0);
        Assert.EndsWith("/flows/new", page.Url);
        await using var db = await DbAsync();
        Assert.False(await db.Flows.AnyAsync(f => f.Name == "Incompleto"));
    }

    [Fact]
    public async Task Fluxos_DeletingAFlowInUse_IsRefusedNamingTheChannel_AndAnUnusedOneIsDeletedAfterConfirming()
    {
        var used = await AddFlowAsync("Fluxo usado", new FlowStep(FlowStepType.Message, "Olá"));
        await AddFlowAsync("Fluxo livre", new FlowStep(FlowStepType.Message, "Olá"));
        await AddChannelAsync("Canal com fluxo", ChannelType.Api, exitFlowId: used);

        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/flows");
        var inUse = FlowRows(page).Filter(new() { HasText = "Fluxo usado" });
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(inUse.GetByTestId("flow-used-by")).ToHaveTextAsync("Canal com fluxo");
        await inUse.GetByRole(AriaRole.Button, new() { Name = "Excluir Fluxo usado", Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirmar exclusão" }).ClickAsync();

        await Expect(page.GetByTestId("flow-error")).ToContainTextAsync("O fluxo \"Fluxo usado\" está em uso pelos canais: Canal com fluxo.");
        await Expect(inUse).ToHaveCountAsync(1);

        var unused = FlowRows(page).Filter(new() { HasText = "Fluxo livre" });
        await unused.GetByRole(AriaRole.Button, new() { Name = "Excluir Fluxo livre", Exact = true }).ClickAsync();
        await Expect(dialog).ToContainTextAsync("Excluir o fluxo \"Fluxo livre\"?");
        // Cancelar keeps it; confirming deletes it.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancelar" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(unused).ToHaveCountAsync(1);
        await unused.GetByRole(AriaRole.Button, new() { Name = "Excluir Fluxo livre", Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirmar exclusão" }).ClickAsync();

        await Expect(unused).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("flow-error")).ToHaveCountAsync(0);
        await using var db = await DbAsync();
        Assert.False(await db.Flows.AnyAsync(f => f.Name == "Fluxo livre"));
        Assert.True(await db.Flows.AnyAsync(f => f.Name == "Fluxo usado"));
    }

    [Fact]
    public async Task Chatbot_AdminTalksToTheEntryFlowLikeACustomer_InvalidOptionRepeatsTheMenu_ValidOneHandsOff()
    {
        var group = await AddGroupAsync("Vendas Chatbot");
        var flow = await AddFlowAsync("Atendimento do bot",
            new FlowStep(FlowStepType.Question, "Qual é o seu nome?") { AnswerKey = "nome" },
            new FlowStep(FlowStepType.Message, "Prazer, {{nome}}!"),
            new FlowStep(FlowStepType.Menu, "Como podemos ajudar?")
            {
                AnswerKey = "assunto",
                Options = [new MenuOption("Comprar", MenuTargetType.ChannelGroup, group.ToString()), new MenuOption("Sair", MenuTargetType.End, null)],
            });
        var channel = await AddChannelAsync("Chatbot Loja", ChannelType.Chatbot, entryFlowId: flow);

        // Fluxos → "Abrir o chat de teste de Chatbot Loja".
        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, "/flows");
        await page.GetByRole(AriaRole.Link, new() { Name = "Abrir o chat de teste de Chatbot Loja" }).ClickAsync();
        await page.WaitForURLAsync($"**/chatbot/{channel}", new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Chat de teste · Chatbot Loja" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("chatbot-test-chip")).ToHaveTextAsync("Teste");
        var messages = page.GetByTestId("chatbot-message");
        var status = page.GetByTestId("chatbot-status");

        await SayAsync(page, "Oi");
        await Expect(messages.Last).ToContainTextAsync("Qual é o seu nome?");
        await Expect(status).ToHaveTextAsync("Situação da conversa: Pendente");

        await SayAsync(page, "Maria");
        await Expect(messages.Filter(new() { HasText = "Prazer, Maria!" })).ToHaveCountAsync(1);
        var menu = messages.Last;
        await Expect(menu).ToContainTextAsync("Como podemos ajudar?");
        // Each option on its own line, as the customer reads it.
        Assert.Contains("Como podemos ajudar?\n1 - Comprar\n2 - Sair", await menu.InnerTextAsync());

        await SayAsync(page, "7");
        await Expect(messages.Last).ToContainTextAsync("Opção inválida. Responda com o número de uma das opções.");
        await Expect(messages.Last).ToContainTextAsync("1 - Comprar");
        await Expect(messages.Filter(new() { HasText = "2 - Sair" })).ToHaveCountAsync(2);
        await Expect(status).ToHaveTextAsync("Situação da conversa: Pendente");

        await SayAsync(page, "1");
        await Expect(status).ToHaveTextAsync("Situação da conversa: Aberta");
        await Expect(messages.Last).ToHaveTextAsync("Bot: conversa transferida para atendimento (grupo Vendas Chatbot)");
        // What the customer wrote is shown as theirs, the bot's replies as the bot's.
        await Expect(messages.Filter(new() { HasText = "Maria" }).First).ToContainTextAsync("Você");
        await Expect(messages.Filter(new() { HasText = "Qual é o seu nome?" })).ToContainTextAsync("Bot");

        await using var db = await DbAsync();
        var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.ChannelId == channel);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Null(conversation.FlowId);
        Assert.Contains("Maria", conversation.AttributesJson + (await db.Contacts.AsNoTracking().SingleAsync(c => c.Id == conversation.ContactId)).AttributesJson);
    }

    [Fact]
    public async Task Chatbot_TestConversationHandedOff_StaysOutOfTheInbox_WhileACustomerConversationShows()
    {
        var flow = await AddFlowAsync("Passa direto",
            new FlowStep(FlowStepType.Message, "Olá do bot de teste!"),
            new FlowStep(FlowStepType.Transfer, "Vou te passar para um atendente."));
        var chatbot = await AddChannelAsync("Chatbot Vitrine", ChannelType.Chatbot, entryFlowId: flow);
        var api = await AddChannelAsync("API Vitrine", ChannelType.Api);
        var received = await fixture.App.Services.GetRequiredService<InboundWriter>()
            .ReceiveAsync(new InboundMessage(api, "cliente-vitrine", "Cliente Vitrine", Guid.NewGuid().ToString("N"), "Quero comprar"));
        Assert.Equal(InboundOutcome.Accepted, received.Outcome);

        var page = await fixture.SignedInPageAsync();
        await ChannelAdminBrowserTests.GoAsync(page, $"/chatbot/{chatbot}");
        await Expect(page.GetByTestId("chatbot-inbox-note")).ToContainTextAsync("ficam fora da caixa de entrada");
        await SayAsync(page, "Oi");
        // Handed off like a customer's: open, waiting for an agent.
        await Expect(page.GetByTestId("chatbot-status")).ToHaveTextAsync("Situação da conversa: Aberta");

        await ChannelAdminBrowserTests.GoAsync(page, "/");
        await Expect(page.GetByText("Cliente Vitrine").First).ToBeVisibleAsync();
        await Expect(page.GetByText("(teste)")).ToHaveCountAsync(0);
        await Expect(page.GetByText("Olá do bot de teste!")).ToHaveCountAsync(0);
    }

    private static async Task SayAsync(IPage page, string text)
    {
        await page.GetByLabel("Mensagem", Exact).FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(page.GetByTestId("chatbot-message").Filter(new() { HasText = text }).First).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Mensagem", Exact)).ToHaveValueAsync("");
    }

    private static async Task AddStepAsync(IPage page, int number, string type)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Adicionar passo" }).ClickAsync();
        var step = page.GetByTestId("flow-step").Nth(number - 1);
        await ChooseAsync(step, "Tipo", type);
        await Expect(step.GetByTestId("flow-step-title")).ToHaveTextAsync($"Passo {number} · {type}");
    }

    /// <summary>Opens a MudSelect by its label and picks an option from its list (the popover lives outside the step).</summary>
    private static async Task ChooseAsync(ILocator scope, string label, string option)
    {
        await scope.GetByLabel(label, ExactIn).ClickAsync();
        await scope.Page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        await Expect(scope.GetByLabel(label, ExactIn)).ToHaveValueAsync(option);
    }

    private static ILocator FlowRows(IPage page) => page.GetByTestId("flow-list").Locator("tbody tr");

    private async Task<int> AddGroupAsync(string name)
    {
        await using var db = await DbAsync();
        var group = new ChannelGroup(name, null);
        db.ChannelGroups.Add(group);
        await db.SaveChangesAsync();
        return group.Id;
    }

    private async Task<int> AddFlowAsync(string name, params FlowStep[] steps)
    {
        await using var db = await DbAsync();
        var flow = new Flow(name, DateTime.UtcNow);
        flow.ReplaceSteps(steps);
        db.Flows.Add(flow);
        await db.SaveChangesAsync();
        return flow.Id;
    }

    private async Task<int> AddChannelAsync(string name, ChannelType type, int? entryFlowId = null, int? exitFlowId = null)
    {
        await using var db = await DbAsync();
        var channel = new Channel(name, type, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetFlows(entryFlowId, exitFlowId);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel.Id;
    }

    private Task<TalkToMeDbContext> DbAsync() =>
        fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
}
