using Microsoft.Playwright;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Widget;

/// <summary>Seed 001, "Passo a passo para configurar seu primeiro canal (chat do site)", literally, step by step.</summary>
public class SeedWalkthroughTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private HostPageServer _site = null!;

    public async Task InitializeAsync() => _site = await HostPageServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task FirstWebsiteChannel_FromSettingsToAReplyInTheWidget()
    {
        var agent = await fixture.SignedInPageAsync();

        // Passo 1: Configurações → Caixas de entrada → "Adicionar caixa de entrada".
        await Expect(agent.Locator("[data-interactive=true]").First).ToBeAttachedAsync();
        await agent.GetByText("Configurações", new() { Exact = true }).ClickAsync();
        await agent.GetByText("Caixas de entrada", new() { Exact = true }).ClickAsync();
        await agent.WaitForURLAsync("**/settings/inboxes", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(agent.GetByRole(AriaRole.Heading, new() { Name = "Caixas de entrada" })).ToBeVisibleAsync();
        await agent.GetByRole(AriaRole.Button, new() { Name = "Adicionar caixa de entrada" }).ClickAsync();
        await agent.WaitForURLAsync("**/channels/new", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(agent.Locator("[data-interactive=true]").First).ToBeAttachedAsync();

        // Passo 2: o ícone "Site". Passo 3: os campos da tela.
        await agent.GetByRole(AriaRole.Radio, new() { Name = "Site" }).CheckAsync();
        await agent.GetByLabel("Nome", new() { Exact = true }).FillAsync("Loja Exemplo");
        await agent.GetByLabel("Endereço do site").FillAsync(_site.BaseUrl);
        await agent.GetByLabel("Cor do chat").FillAsync("#00897b");
        await agent.GetByLabel("Texto de boas-vindas").FillAsync("Fale com a Loja Exemplo!");
        await agent.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await agent.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/channels/\d+$"), new() { WaitUntil = WaitUntilState.Commit });
        var scriptTag = await agent.Locator("#connection-script").InputValueAsync();
        Assert.Contains("/widget.js", scriptTag);

        // Passo 4: o site onde o chat foi ativado; abrir o widget e enviar uma mensagem de teste.
        _site.Html = $"<!DOCTYPE html><html><head><title>Loja Exemplo</title></head><body><h1>Loja Exemplo</h1>{scriptTag}</body></html>";
        var visitor = await fixture.Browser.NewPageAsync();
        await visitor.GotoAsync(_site.BaseUrl + "/");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Abrir chat" }).ClickAsync();
        var chat = visitor.FrameLocator("iframe[data-talktome=frame]");
        await Expect(chat.GetByText("Fale com a Loja Exemplo!")).ToBeVisibleAsync();
        await chat.GetByLabel("Sua mensagem").FillAsync("Mensagem de teste pelo chat do site");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();

        // Passo 5: o painel mostra a mensagem; basta respondê-la.
        await agent.GetByText("Caixa de entrada", new() { Exact = true }).First.ClickAsync();
        var conversation = agent.GetByTestId("conversation").Filter(new() { HasText = "Mensagem de teste pelo chat do site" });
        await Expect(conversation).ToBeVisibleAsync();
        await Expect(conversation).ToContainTextAsync("Loja Exemplo");
        await conversation.ClickAsync();
        await Expect(agent.GetByTestId("thread")).ToContainTextAsync("Mensagem de teste pelo chat do site");
        await agent.Locator("#reply-text").FillAsync("Olá! Recebemos sua mensagem.");
        await agent.Locator("#reply-text").PressAsync("Enter");

        // The reply reaches the visitor in the same widget, live.
        await Expect(chat.GetByText("Olá! Recebemos sua mensagem.")).ToBeVisibleAsync();
    }
}
