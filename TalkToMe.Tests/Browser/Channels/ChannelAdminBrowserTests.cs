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
        await page.WaitForURLAsync("**/channels/new", new() { WaitUntil = WaitUntilState.Commit });
        await page.GetByLabel("Nome", Exact).FillAsync("WhatsApp Pós-venda");
        await ChooseAsync(page, "Fluxo de entrada", "Boas-vindas");
        await ChooseAsync(page, "Fluxo de saída", "Boas-vindas");
        await page.GetByRole(AriaRole.Radio, new() { Name = "WhatsApp" }).CheckAsync();
        // The card opens that type's own settings with its step-by-step help.
        await Expect(page.GetByTestId("type-settings")).ToContainTextAsync("Meta for Developers");
        await page.GetByLabel("Phone number ID").FillAsync("1098765432");
        await page.GetByLabel("Token de acesso", Exact).FillAsync("EAAG-token-de-acesso-123");
        await page.GetByLabel("App secret").FillAsync("app-secret-abcdef");
        await PageActions.ClickAndWaitForUrlAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }), new Regex(@"/channels/\d+$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "WhatsApp Pós-venda" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("URL do webhook", Exact)).ToHaveValueAsync(new Regex(@"/webhooks/whatsapp/[0-9a-f]{32}$"));
        await Expect(page.GetByLabel("Token de verificação", Exact)).ToHaveValueAsync(new Regex(@"^[0-9a-f]{32}$"));
        // The saved flow comes back chosen (the select shows the flow's name).
        await Expect(page.GetByLabel("Fluxo de entrada", Exact)).ToHaveValueAsync("Boas-vindas");
        // Secrets are never rendered back: the field is empty with the mask as a hint.
        await Expect(page.GetByLabel("Token de acesso", Exact)).ToHaveValueAsync("");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("EAAG-token-de-acesso-123");

        await GoAsync(page, "/channels");
        var row = ChannelRow(page, "WhatsApp Pós-venda");
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
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();

        await Expect(FieldError(page, "Name")).ToHaveTextAsync("Informe o nome do canal.");
        await Expect(FieldError(page, "Settings.AccountSid")).ToHaveTextAsync("Informe o Account SID.");
        await Expect(FieldError(page, "Settings.AuthToken")).ToBeVisibleAsync();
        await Expect(FieldError(page, "Settings.FromNumber")).ToContainTextAsync("+5511999999999");
        // The message is the field's description for screen readers, and it goes once the field is fixed.
        await Expect(page.GetByLabel("Nome", Exact)).ToHaveAttributeAsync("aria-describedby", "error-Name");
        await page.GetByLabel("Nome", Exact).FillAsync("SMS Recados");
        await page.GetByLabel("Nome", Exact).BlurAsync();
        await Expect(FieldError(page, "Name")).ToHaveCountAsync(0);
        await Expect(FieldError(page, "Settings.AccountSid")).ToBeVisibleAsync();
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
        // The API's settings section appears above Salvar: wait for it, so the click never lands while the button moves.
        await Expect(page.GetByTestId("type-settings")).ToContainTextAsync("API");
        await PageActions.ClickAndWaitForUrlAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }), new Regex(@"/channels/\d+$"));
        await Expect(page.GetByLabel("Endpoint da API", Exact)).ToHaveValueAsync(new Regex(@"^POST http://127\.0\.0\.1:\d+/api/v1/channels/\d+/messages$"));
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
        await ChooseAsync(page, "Unidade (inatividade)", "minutos");
        await page.GetByLabel("Mensagem de inatividade").FillAsync("Ainda está por aí?");
        await page.GetByLabel("Tempo de finalização").FillAsync("2");
        await ChooseAsync(page, "Unidade (finalização)", "horas");
        await page.GetByLabel("Mensagem de finalização").FillAsync("Vamos encerrar o atendimento. Até logo!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();

        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Desativado");
        await ReloadAsync(page);
        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Desativado");
        await page.GetByRole(AriaRole.Button, new() { Name = "Keep Alive" }).ClickAsync();
        // The settings were stored even though Keep Alive stays off.
        await Expect(page.GetByLabel("Tempo de finalização")).ToHaveValueAsync("2");
        await Expect(page.GetByLabel("Unidade (finalização)")).ToHaveTextAsync("horas");
        await Expect(page.GetByLabel("Mensagem de inatividade")).ToHaveValueAsync("Ainda está por aí?");

        await page.GetByLabel("Ativar").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();

        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Ativado");
        await ReloadAsync(page);
        await Expect(page.GetByTestId("keepalive-state")).ToHaveTextAsync("Ativado");
        await GoAsync(page, "/channels");
        var row = ChannelRow(page, "Suporte por e-mail");
        await Expect(row.GetByTestId("channel-keepalive")).ToHaveTextAsync("Ativado");
    }

    [Fact]
    public async Task ComoConfigurarOKeepAlive_InvalidValues_ShowAMessagePerField()
    {
        var page = await fixture.SignedInPageAsync();
        await OpenChannelAsync(page, "Site institucional");

        await page.GetByRole(AriaRole.Button, new() { Name = "Keep Alive" }).ClickAsync();
        await page.GetByLabel("Tempo de inatividade").FillAsync("31");
        await ChooseAsync(page, "Unidade (inatividade)", "horas");
        await page.GetByLabel("Tempo de inatividade").FillAsync("800");
        await page.GetByLabel("Tempo de finalização").FillAsync("0");
        await page.GetByLabel("Ativar").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();

        await Expect(FieldError(page, "InactivityAmount", "ka-error-")).ToHaveTextAsync("O tempo máximo é de 30 dias.");
        await Expect(FieldError(page, "FinalizationAmount", "ka-error-")).ToHaveTextAsync("Informe um tempo maior que zero.");
        await Expect(FieldError(page, "InactivityMessage", "ka-error-")).ToBeVisibleAsync();
        await Expect(FieldError(page, "FinalizationMessage", "ka-error-")).ToBeVisibleAsync();
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
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Canal salvo.")).ToBeVisibleAsync();
        await ReloadAsync(page);
        await Expect(page.GetByLabel("Contato ativo", Exact)).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Ativo", Exact)).ToBeCheckedAsync();

        await page.GetByLabel("Ativo", Exact).UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Canal salvo.")).ToBeVisibleAsync();
        await ReloadAsync(page);
        await Expect(page.GetByLabel("Ativo", Exact)).Not.ToBeCheckedAsync();
        await Expect(page.GetByLabel("Contato ativo", Exact)).ToBeCheckedAsync();

        await GoAsync(page, "/channels");
        var row = ChannelRow(page, "Telegram Switches");
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
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();

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
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("API Loja");
        // Cancelling changes nothing.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancelar" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Button, new() { Name = "Excluir" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Sim, excluir" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/channels$"), new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("channel-list").GetByRole(AriaRole.Link).First).ToBeVisibleAsync();
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
        await page.WaitForURLAsync("**/channel-groups", new() { WaitUntil = WaitUntilState.Commit });

        await page.GetByRole(AriaRole.Button, new() { Name = "Novo grupo" }).ClickAsync();
        await page.WaitForURLAsync("**/channel-groups/new", new() { WaitUntil = WaitUntilState.Commit });
        await page.GetByLabel("Nome", Exact).FillAsync("Mensageiros");
        await page.GetByLabel("Descrição").FillAsync("Canais de mensagens instantâneas");
        // One click per channel in the list (no Ctrl-click); each choice shows as a chip.
        await ToggleChannelsAsync(page, "WhatsApp Vendas", "Site institucional");
        await Expect(page.GetByTestId("group-chosen")).ToContainTextAsync("WhatsApp Vendas");
        await Expect(page.GetByTestId("group-chosen")).ToContainTextAsync("Site institucional");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/channel-groups$"), new() { Timeout = 15_000 });
        var row = GroupRow(page, "Mensageiros");
        await Expect(row).ToContainTextAsync("Canais de mensagens instantâneas");
        await Expect(row).ToContainTextAsync("Site institucional, WhatsApp Vendas");
        // A channel may be in several groups: WhatsApp Vendas is also in the demo group "Atendimento".
        await GoAsync(page, "/channels");
        await Expect(ChannelRow(page, "WhatsApp Vendas")).ToContainTextAsync("Atendimento, Mensageiros");

        await GoAsync(page, "/channel-groups");
        await page.GetByRole(AriaRole.Link, new() { Name = "Mensageiros" }).ClickAsync();
        await Expect(page.GetByLabel("Nome", Exact)).ToHaveValueAsync("Mensageiros");
        await page.GetByLabel("Nome", Exact).FillAsync("Mensagens");
        // Leaves only WhatsApp Vendas chosen: Site institucional is unticked in the list.
        await ToggleChannelsAsync(page, "Site institucional");
        await Expect(page.GetByTestId("group-chosen")).Not.ToContainTextAsync("Site institucional");
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/channel-groups$"), new() { Timeout = 15_000 });
        row = GroupRow(page, "Mensagens");
        await Expect(row.GetByTestId("group-channels")).ToHaveTextAsync("WhatsApp Vendas");

        await page.GetByRole(AriaRole.Link, new() { Name = "Mensagens" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Excluir" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Sim, excluir" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/channel-groups$"), new() { Timeout = 15_000 });
        await Expect(GroupRow(page, "Atendimento")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("group-list")).Not.ToContainTextAsync("Mensagens");
    }

    [Fact]
    public async Task Agent_SeesTheChannelListReadOnly()
    {
        await fixture.App.CreateUserAsync("agente.canais@talktome.local", "Senha-Agente-123", Roles.Agent);
        var page = await fixture.SignedInPageAsync("agente.canais@talktome.local", "Senha-Agente-123");
        await GoAsync(page, "/channels");

        await Expect(ChannelRow(page, "WhatsApp Vendas")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("read-only")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Novo canal" })).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("channel-list").GetByRole(AriaRole.Link)).ToHaveCountAsync(0);

        await page.GotoAsync("/channels/new");
        await page.WaitForURLAsync("**/account/denied**", new() { WaitUntil = WaitUntilState.Commit });
    }

    [Fact]
    public async Task TypeCards_EachIsOneRadioWithOneName_AndArrowKeysChoose()
    {
        var page = await fixture.SignedInPageAsync();
        await GoAsync(page, "/channels/new");

        var names = new[] { "Site", "E-mail", "WhatsApp", "Telegram", "SMS", "Facebook", "Instagram", "LINE", "API", "Chatbot" };
        var cards = page.GetByTestId("type-cards").GetByRole(AriaRole.Radio);
        await Expect(cards).ToHaveCountAsync(names.Length);
        for (var i = 0; i < names.Length; i++)
        {
            // Announced once ("API", never "API API"): the icon beside the name is decorative.
            await Expect(cards.Nth(i)).ToHaveAccessibleNameAsync(names[i]);
        }

        await page.GetByRole(AriaRole.Radio, new() { Name = "Site", Exact = true }).CheckAsync();
        await Expect(page.GetByTestId("type-settings")).ToContainTextAsync("Site");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.GetByRole(AriaRole.Radio, new() { Name = "E-mail", Exact = true })).ToBeCheckedAsync();
        await Expect(page.GetByTestId("type-settings")).ToContainTextAsync("E-mail");
    }

    [Fact]
    public async Task UnsavedSwitchChange_LeavingAsksFirst_StayKeepsIt_LeaveDiscardsIt()
    {
        await using (var db = await DbAsync())
        {
            var seeded = new Channel("Telegram Pendente", ChannelType.Telegram, TalkToMe.Core.Secrets.NewKey(), DateTime.UtcNow);
            seeded.SetSettings(new TalkToMe.Core.Channels.Telegram.TelegramSettings { BotToken = "654321:XYZabc", WebhookSecretToken = "s" });
            db.Channels.Add(seeded);
            await db.SaveChangesAsync();
        }

        var page = await fixture.SignedInPageAsync();
        await OpenChannelAsync(page, "Telegram Pendente");
        await page.GetByLabel("Contato ativo", Exact).CheckAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "← Canais" }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("alterações não salvas");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Continuar editando" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Matches(@"/channels/\d+$", page.Url);
        await Expect(page.GetByLabel("Contato ativo", Exact)).ToBeCheckedAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "← Canais" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Sair sem salvar" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/channels$"), new() { Timeout = 15_000 });
        await Expect(ChannelRow(page, "Telegram Pendente").GetByTestId("channel-active-contact")).ToHaveTextAsync("Não");
        await using var check = await DbAsync();
        Assert.False((await check.Channels.SingleAsync(c => c.Name == "Telegram Pendente")).AllowsActiveContact);

        // Once saved, leaving does not ask.
        await OpenChannelAsync(page, "Telegram Pendente");
        await page.GetByLabel("Contato ativo", Exact).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Salvar", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Canal salvo.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "← Canais" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/channels$"), new() { Timeout = 15_000 });
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
    }

    private static ILocator ChannelRow(IPage page, string name) =>
        page.GetByTestId("channel-list").GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("channel-name").GetByText(name, new() { Exact = true }) });

    private static ILocator GroupRow(IPage page, string name) =>
        page.GetByTestId("group-list").GetByRole(AriaRole.Row).Filter(new() { HasText = name });

    /// <summary>The server's message for one field, which the field names as its description (aria-describedby).</summary>
    private static ILocator FieldError(IPage page, string field, string prefix = "error-") => page.Locator($"[id='{prefix}{field}']");

    /// <summary>Picks an option of a MudSelect by its label, as a user does: open the list, click the option.</summary>
    private static async Task ChooseAsync(IPage page, string label, string option)
    {
        await page.GetByLabel(label, Exact).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Listbox)).ToHaveCountAsync(0);
    }

    /// <summary>Ticks or unticks channels in the group's multi-select, then closes its list.</summary>
    private static async Task ToggleChannelsAsync(IPage page, params string[] channels)
    {
        await page.GetByLabel("Canais", Exact).ClickAsync();
        foreach (var channel in channels)
        {
            await page.GetByRole(AriaRole.Option, new() { Name = channel, Exact = true }).ClickAsync();
        }

        // A multi-select stays open for more choices; Escape closes it (again if the first press came before its focus).
        for (var attempt = 0; ; attempt++)
        {
            await page.Keyboard.PressAsync("Escape");
            try
            {
                await Expect(page.GetByRole(AriaRole.Listbox)).ToHaveCountAsync(0, new() { Timeout = 3_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
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
        await Expect(page).ToHaveURLAsync(new Regex(@"/channels/\d+$"), new() { Timeout = 15_000 });
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
    }

    private Task<TalkToMeDbContext> DbAsync() =>
        fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync();
}
