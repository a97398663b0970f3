using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Channels;

/// <summary>Seed 000's "Como …" sections, walked step by step through the real UI.</summary>
public class ChannelAdminBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static PageGetByLabelOptions Exact => new() { Exact = true };

    [Fact]
    public async Task ComoCriarUmCanal_WhatsAppWithFlows_IsCreatedAndShowsWebhookAndVerifyToken()
    {
        var page = await fixture.SignedInPageAsync();
        await GoAsync(page, "/channels");

        // "No canto superior direito da tela, clique em" the create button.
        await page.GetByRole(AriaRole.Button, new() { Name = "Novo canal" }).ClickAsync();
        await page.WaitForURLAsync("**/channels/new");
        await page.GetByLabel("Nome", Exact).FillAsync("WhatsApp Pós-venda");
        await page.GetByLabel("Fluxo de entrada").SelectOptionAsync(new SelectOptionValue { Label = "Boas-vindas" });
        await page.GetByLabel("Fluxo de saída").SelectOptionAsync(new SelectOptionValue { Label = "Boas-vindas" });
        await page.GetByRole(AriaRole.Radio, new() { Name = "WhatsApp" }).CheckAsync();
        // The card opens that type's own settings with its step-by-step help.
        await Expect(page.GetByTestId("type-settings")).ToContainTextAsync("Meta for Developers");
        await page.GetByLabel("Phone number ID").FillAsync("1098765432");
        await page.GetByLabel("Token de acesso", Exact).FillAsync("EAAG-token-de-acesso-123");
        await page.GetByLabel("App secret").FillAsync("app-secret-abcdef");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await page.WaitForURLAsync(new Regex(@"/channels/\d+$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "WhatsApp Pós-venda" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("URL do webhook")).ToHaveValueAsync(new Regex(@"/webhooks/whatsapp/[0-9a-f]{32}$"));
        await Expect(page.GetByLabel("Token de verificação", Exact)).ToHaveValueAsync(new Regex(@"^[0-9a-f]{32}$"));
        await Expect(page.GetByLabel("Fluxo de entrada")).ToHaveValueAsync(new Regex(@"^\d+$"));
        // Secrets are never rendered back: the field is empty with the mask as a hint.
        await Expect(page.GetByLabel("Token de acesso", Exact)).ToHaveValueAsync("");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("EAAG-token-de-acesso-123");

        await GoAsync(page, "/channels");
        var row = page.GetByTestId("channel-row").Filter(new() { HasText = "WhatsApp Pós-venda" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByRole(AriaRole.Img, new() { Name = "WhatsApp" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ComoCriarUmCanal_WithMissingFields_ShowsAMessagePerFieldAndCreatesNothing()
    {
        var page = await fixture.SignedInPageAsync();
        await GoAsync(page, "/channels/new");
        await page.GetByRole(AriaRole.Radio, new() { Name = "SMS" }).CheckAsync();
        await page.GetByLabel("Número da Twilio").FillAsync("11999");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.Locator("[data-field='Name']")).ToHaveTextAsync("Informe o nome do canal.");
        await Expect(page.Locator("[data-field='Settings.AccountSid']")).ToHaveTextAsync("Informe o Account SID.");
        await Expect(page.Locator("[data-field='Settings.AuthToken']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-field='Settings.FromNumber']")).ToContainTextAsync("+5511999999999");
        Assert.EndsWith("/channels/new", page.Url);
        await using var db = await DbAsync();
        Assert.False(await db.Channels.AnyAsync(c => c.Type == ChannelType.Sms));
    }

    [Fact]
    public async Task ComoCriarUmCanal_Api_ShowsTheTokenOnceThenMasked()
    {
        var page = await fixture.SignedInPageAsync();
        await GoAsync(page, "/channels/new");
        await page.GetByLabel("Nome", Exact).FillAsync("API Parceiros");
        await page.GetByRole(AriaRole.Radio, new() { Name = "API" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await page.WaitForURLAsync(new Regex(@"/channels/\d+$"));
        await Expect(page.GetByLabel("Endpoint da API")).ToHaveValueAsync(new Regex(@"^POST http://127\.0\.0\.1:\d+/api/v1/channels/\d+/messages$"));
        var token = page.GetByTestId("api-token");
        await Expect(token).ToHaveValueAsync(new Regex("^ttm_ch_.{20,}"));
        var shown = await token.InputValueAsync();
        await using (var db = await DbAsync())
        {
            var stored = await db.Channels.SingleAsync(c => c.Name == "API Parceiros");
            Assert.Equal(TalkToMe.Core.Secrets.Hash(shown), stored.ApiTokenHash);
        }

        await ReloadAsync(page);
        await Expect(page.GetByTestId("api-token")).ToHaveValueAsync("ttm_ch_••••••••");
        await Expect(page.Locator("body")).Not.ToContainTextAsync(shown);
    }

    [Fact]
    public async Task ComoConfigurarOKeepAlive_SalvarWithoutAtivar_StaysInactive_AtivarThenSalvar_IsActive()
    {
        var page = await fixture.SignedInPageAsync();
        await OpenChannelAsync(page, "Suporte por e-mail");

        await page.GetByRole(AriaRole.Button, new() { Name = "Keep Alive" }).ClickAsync();
        await page.GetByLabel("Tempo de inatividade").FillAsync("10");
        await page.GetByLabel("Unidade (inatividade)").SelectOptionAsync(new SelectOptionValue { Label = "minutos" });
        await page.GetByLabel("Mensagem de inatividade").FillAsync("Ainda está por aí?");
        await page.GetByLabel("Tempo de finalização").FillAsync("2");
        await page.GetByLabel("Unidade (finalização)").SelectOptionAsync(new SelectOptionValue { Label = "horas" });
        await page.GetByLabel("Mensagem de finalização").FillAsync("Vamos encerrar o atendimento. Até logo!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Desativado");
        await ReloadAsync(page);
        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Desativado");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep Alive" }).ClickAsync();
        // The settings were stored even though Keep Alive stays off.
        await Expect(page.GetByLabel("Tempo de finalização")).ToHaveValueAsync("2");
        await Expect(page.GetByLabel("Unidade (finalização)")).ToHaveValueAsync("Hours");
        await Expect(page.GetByLabel("Mensagem de inatividade")).ToHaveValueAsync("Ainda está por aí?");

        await page.GetByLabel("Ativar").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Ativado");
        await ReloadAsync(page);
        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Ativado");
        await GoAsync(page, "/channels");
        var row = page.GetByTestId("channel-row").Filter(new() { HasText = "Suporte por e-mail" });
        await Expect(row.GetByTestId("channel-keepalive")).ToHaveTextAsync("Ativado");
    }

    [Fact]
    public async Task ComoConfigurarOKeepAlive_InvalidValues_ShowAMessagePerField()
    {
        var page = await fixture.SignedInPageAsync();
        await OpenChannelAsync(page, "Site institucional");

        await page.GetByRole(AriaRole.Button, new() { Name = "Keep Alive" }).ClickAsync();
        await page.GetByLabel("Tempo de inatividade").FillAsync("31");
        await page.GetByLabel("Unidade (inatividade)").SelectOptionAsync(new SelectOptionValue { Label = "horas" });
        await page.GetByLabel("Tempo de inatividade").FillAsync("800");
        await page.GetByLabel("Tempo de finalização").FillAsync("0");
        await page.GetByLabel("Ativar").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.Locator("[data-field='InactivityAmount']")).ToHaveTextAsync("O tempo máximo é de 30 dias.");
        await Expect(page.Locator("[data-field='FinalizationAmount']")).ToHaveTextAsync("Informe um tempo maior que zero.");
        await Expect(page.Locator("[data-field='InactivityMessage']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-field='FinalizationMessage']")).ToBeVisibleAsync();
        await ReloadAsync(page);
        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Desativado");
    }

    [Fact]
    public async Task ContatoAtivoEAtivo_ToggledAndSaved_Persist()
    {
        await using (var db = await DbAsync())
        {
            var seeded = new Channel("Telegram Switches", ChannelType.Telegram, TalkToMe.Core.Secrets.NewKey(), DateTime.UtcNow);
            seeded.SetSettings(new TalkToMe.Core.Channels.Telegram.TelegramSettings { BotToken = "123456:ABCdef", WebhookSecretToken = "s" });
            db.Channels.Add(seeded);
            await db.SaveChangesAsync();
        }

        var page = await fixture.SignedInPageAsync();
        await OpenChannelAsync(page, "Telegram Switches");
        var ativo = page.GetByLabel("Ativo", Exact);
        var contatoAtivo = page.GetByLabel("Contato ativo", Exact);
        await Expect(ativo).ToBeCheckedAsync();
        await Expect(contatoAtivo).Not.ToBeCheckedAsync();

        await contatoAtivo.CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await Expect(page.GetByText("Canal salvo.")).ToBeVisibleAsync();
        await ReloadAsync(page);
        await Expect(page.GetByLabel("Contato ativo", Exact)).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Ativo", Exact)).ToBeCheckedAsync();

        await page.GetByLabel("Ativo", Exact).UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await Expect(page.GetByText("Canal salvo.")).ToBeVisibleAsync();
        await ReloadAsync(page);
        await Expect(page.GetByLabel("Ativo", Exact)).Not.ToBeCheckedAsync();
        await Expect(page.GetByLabel("Contato ativo", Exact)).ToBeCheckedAsync();

        await GoAsync(page, "/channels");
        var row = page.GetByTestId("channel-row").Filter(new() { HasText = "Telegram Switches" });
        await Expect(row.GetByTestId("channel-active")).ToHaveTextAsync("Não");
        await Expect(row.GetByTestId("channel-active-contact")).ToHaveTextAsync("Sim");
        await using var check = await DbAsync();
        var channel = await check.Channels.SingleAsync(c => c.Name == "Telegram Switches");
        // Ativo off wins: nothing comes in and no conversation starts, whatever Contato ativo says.
        Assert.False(channel.CanReceive);
        Assert.False(channel.CanStartConversation);
    }

    [Fact]
    public async Task ComoEditarUmCanal_ChangeNameAndSalvar_KeepsSecretsLeftEmpty()
    {
        await using (var db = await DbAsync())
        {
            var seeded = new Channel("WhatsApp Editar", ChannelType.WhatsApp, TalkToMe.Core.Secrets.NewKey(), DateTime.UtcNow);
            seeded.SetSettings(new WhatsAppSettings { PhoneNumberId = "111", AccessToken = "token-guardado-9999", AppSecret = "segredo-app-8888", VerifyToken = "verificar" });
            db.Channels.Add(seeded);
            await db.SaveChangesAsync();
        }

        var page = await fixture.SignedInPageAsync();
        await OpenChannelAsync(page, "WhatsApp Editar");
        await Expect(page.GetByLabel("Token de acesso", Exact)).ToHaveAttributeAsync("placeholder", new Regex("9999$"));
        await page.GetByLabel("Nome", Exact).FillAsync("WhatsApp Editado");
        await page.GetByLabel("Phone number ID").FillAsync("222");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "WhatsApp Editado" })).ToBeVisibleAsync();
        await ReloadAsync(page);
        await Expect(page.GetByLabel("Nome", Exact)).ToHaveValueAsync("WhatsApp Editado");
        await Expect(page.GetByLabel("Phone number ID")).ToHaveValueAsync("222");
        await using var check = await DbAsync();
        var settings = (await check.Channels.SingleAsync(c => c.Name == "WhatsApp Editado")).GetSettings<WhatsAppSettings>();
        Assert.Equal("token-guardado-9999", settings.AccessToken);
        Assert.Equal("segredo-app-8888", settings.AppSecret);
        Assert.Equal("verificar", settings.VerifyToken);
    }

    [Fact]
    public async Task ComoExcluirUmCanal_AfterConfirming_LeavesTheListButKeepsItsConversations()
    {
        var page = await fixture.SignedInPageAsync();
        await OpenChannelAsync(page, "API Loja");

        await page.GetByRole(AriaRole.Button, new() { Name = "Excluir" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog).ToContainTextAsync("API Loja");
        // Cancelling changes nothing.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancelar" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Excluir" }).ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Sim, excluir" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("/channels$"));
        await Expect(page.GetByTestId("channel-row").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("channel-list")).Not.ToContainTextAsync("API Loja");
        await using var db = await DbAsync();
        var channel = await db.Channels.SingleAsync(c => c.Name == "API Loja");
        Assert.True(channel.IsDeleted);
        Assert.True(await db.Conversations.AnyAsync(c => c.ChannelId == channel.Id));
    }

    [Fact]
    public async Task GruposDeCanais_CreateEditAndDelete()
    {
        var page = await fixture.SignedInPageAsync();
        await GoAsync(page, "/channels");
        await page.GetByRole(AriaRole.Button, new() { Name = "Grupos de Canais" }).ClickAsync();
        await page.WaitForURLAsync("**/channel-groups");

        await page.GetByRole(AriaRole.Button, new() { Name = "Novo grupo" }).ClickAsync();
        await page.WaitForURLAsync("**/channel-groups/new");
        await page.GetByLabel("Nome", Exact).FillAsync("Mensageiros");
        await page.GetByLabel("Descrição").FillAsync("Canais de mensagens instantâneas");
        await page.GetByLabel("Canais", Exact).SelectOptionAsync(
            [new SelectOptionValue { Label = "WhatsApp Vendas" }, new SelectOptionValue { Label = "Site institucional" }]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("/channel-groups$"));
        var row = page.GetByTestId("group-row").Filter(new() { HasText = "Mensageiros" });
        await Expect(row).ToContainTextAsync("Canais de mensagens instantâneas");
        await Expect(row).ToContainTextAsync("Site institucional, WhatsApp Vendas");
        // A channel may be in several groups: WhatsApp Vendas is also in the demo group "Atendimento".
        await GoAsync(page, "/channels");
        await Expect(page.GetByTestId("channel-row").Filter(new() { HasText = "WhatsApp Vendas" })).ToContainTextAsync("Atendimento, Mensageiros");

        await GoAsync(page, "/channel-groups");
        await page.GetByRole(AriaRole.Link, new() { Name = "Mensageiros" }).ClickAsync();
        await Expect(page.GetByLabel("Nome", Exact)).ToHaveValueAsync("Mensageiros");
        await page.GetByLabel("Nome", Exact).FillAsync("Mensagens");
        await page.GetByLabel("Canais", Exact).SelectOptionAsync([new SelectOptionValue { Label = "WhatsApp Vendas" }]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/channel-groups$"));
        row = page.GetByTestId("group-row").Filter(new() { HasText = "Mensagens" });
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("WhatsApp Vendas");

        await page.GetByRole(AriaRole.Link, new() { Name = "Mensagens" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Excluir" }).ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Sim, excluir" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/channel-groups$"));
        await Expect(page.GetByTestId("group-row").Filter(new() { HasText = "Atendimento" })).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("group-list")).Not.ToContainTextAsync("Mensagens");
    }

    [Fact]
    public async Task Agent_SeesTheChannelListReadOnly()
    {
        await fixture.App.CreateUserAsync("agente.canais@talktome.local", "Senha-Agente-123", Roles.Agent);
        var page = await fixture.SignedInPageAsync("agente.canais@talktome.local", "Senha-Agente-123");
        await GoAsync(page, "/channels");

        await Expect(page.GetByTestId("channel-row").Filter(new() { HasText = "WhatsApp Vendas" })).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("read-only")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Novo canal" })).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("channel-list").GetByRole(AriaRole.Link)).ToHaveCountAsync(0);

        await page.GotoAsync("/channels/new");
        await page.WaitForURLAsync("**/account/denied**");
    }

    /// <summary>Opens a page and waits until it runs over a live circuit, so clicks are never lost on prerendered markup.</summary>
    internal static async Task GoAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    internal static async Task ReloadAsync(IPage page)
    {
        await page.ReloadAsync();
        await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    private async Task OpenChannelAsync(IPage page, string name)
    {
        await GoAsync(page, "/channels");
        await page.GetByTestId("channel-list").GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/channels/\d+$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
    }

    private Task<TalkToMeDbContext> DbAsync() =>
        fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
}
