using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Inbox;

/// <summary>
/// "WhatsApp Vendas" (demo data) pointed at a fake Graph API on loopback: templates synced on the channel page, sent from
/// Nova conversa and from a conversation whose 24-hour window closed.
/// </summary>
public sealed class WhatsAppTemplateBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string BusinessAccountId = "102290129340398";
    private const string OrderTemplate = "Olá {{1}}, seu pedido {{2}} foi enviado.";
    private FakeProvider _graph = null!;
    private int _channelId;

    public async Task InitializeAsync()
    {
        _graph = await FakeProvider.StartAsync();
        _graph.DefaultReply = request => request.Method == "GET" && request.PathAndQuery.Contains("/message_templates")
            ? new FakeReply(200, JsonSerializer.Serialize(new
            {
                data = new object[]
                {
                    new
                    {
                        name = "pedido_enviado", language = "pt_BR", status = "APPROVED", category = "UTILITY", id = "9001",
                        components = new object[] { new { type = "BODY", text = OrderTemplate } },
                    },
                    new
                    {
                        name = "promo_pendente", language = "pt_BR", status = "PENDING", category = "MARKETING", id = "9002",
                        components = new object[] { new { type = "BODY", text = "Promoção {{1}}" } },
                    },
                },
            }))
            : new FakeReply(200, $$"""{"messaging_product":"whatsapp","messages":[{"id":"wamid.{{Guid.NewGuid():N}}"}]}""");
        await using var db = await Factory.CreateDbContextAsync();
        var channel = await db.Channels.SingleAsync(c => c.Name == "WhatsApp Vendas");
        var settings = channel.GetSettings<WhatsAppSettings>();
        settings.ApiBaseUrl = _graph.BaseUrl;
        settings.BusinessAccountId = BusinessAccountId;
        channel.SetSettings(settings);
        await db.SaveChangesAsync();
        _channelId = channel.Id;
    }

    public async Task DisposeAsync() => await _graph.DisposeAsync();

    private IDbContextFactory<TalkToMeDbContext> Factory => fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    private async Task<IPage> OpenAsync(string url)
    {
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync(url);
        await Expect(page.Locator("[data-interactive=true]").First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        return page;
    }

    [Fact]
    public async Task NovaConversa_ThroughWhatsAppVendas_SyncedTemplateWithParameters_AppearsInTheThreadAndReachesMeta()
    {
        // The admin syncs the approved templates on the channel page.
        var page = await OpenAsync($"/channels/{_channelId}");
        var templates = page.GetByTestId("whatsapp-templates");
        // Meta refuses first (expired token): the page says why.
        _graph.Enqueue(new FakeReply(401, """{"error":{"message":"Session has expired","type":"OAuthException","code":190}}"""));
        await templates.GetByRole(AriaRole.Button, new() { Name = "Sincronizar modelos" }).ClickAsync();
        await Expect(templates.GetByTestId("templates-error")).ToHaveTextAsync(
            "A Meta recusou a busca de modelos: HTTP 401: Session has expired (190).");
        await templates.GetByRole(AriaRole.Button, new() { Name = "Sincronizar modelos" }).ClickAsync();
        await Expect(templates.GetByTestId("templates-error")).ToHaveCountAsync(0);
        await Expect(templates.GetByTestId("templates-synced")).ToHaveTextAsync("1 modelo(s) aprovado(s) sincronizado(s).");
        await Expect(templates.GetByTestId("template-row")).ToHaveCountAsync(1);
        await Expect(templates.GetByTestId("template-row")).ToContainTextAsync("pedido_enviado");

        await page.GotoAsync("/");
        await Expect(page.Locator("[data-interactive=true]").First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Nova conversa" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Nova conversa" });
        await ChooseAsync(page, dialog, "Canal", "WhatsApp Vendas");
        // WhatsApp: no free-text first message, a template instead.
        await Expect(dialog.GetByLabel("Primeira mensagem")).ToHaveCountAsync(0);
        await dialog.GetByLabel("Nova identidade").CheckAsync();
        await dialog.GetByLabel("Telefone, e-mail ou identificador").FillAsync("+55 11 97777-1234");
        await dialog.GetByLabel("Nome do contato").FillAsync("Helena Dias");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Enviar modelo" }).ClickAsync();
        await Expect(dialog.GetByText("Escolha um modelo.")).ToBeVisibleAsync();

        await ChooseAsync(page, dialog, "Modelo", "pedido_enviado (pt_BR)");
        await Expect(dialog.GetByText("Escolha um modelo.")).ToHaveCountAsync(0);
        await dialog.GetByLabel("Parâmetro {{1}}").FillAsync("Helena");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Enviar modelo" }).ClickAsync();
        await Expect(dialog.GetByText("Preencha o parâmetro {{2}}.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Parâmetro {{2}}").FillAsync("7781");
        await Expect(dialog.GetByText("Preencha o parâmetro {{2}}.")).ToHaveCountAsync(0);
        await Expect(dialog.GetByTestId("template-preview")).ToHaveTextAsync("Olá Helena, seu pedido 7781 foi enviado.");
        var before = _graph.Requests.Count;
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Enviar modelo" }).ClickAsync();

        await page.WaitForURLAsync("**/conversations/*", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("thread-contact")).ToHaveTextAsync("Helena Dias");
        var message = page.GetByTestId("thread").GetByTestId("message").Filter(new() { HasText = "Olá Helena, seu pedido 7781 foi enviado." });
        await Expect(message).ToBeVisibleAsync();
        await Expect(message.GetByTestId("delivery")).ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("^(Pending|Sent)$"));
        await Expect(message.GetByTestId("delivery")).ToHaveAttributeAsync("data-state", "Sent");
        var sent = (await _graph.WaitForRequestsAsync(before + 1)).Skip(before).Single(r => r.Method == "POST");
        using var json = JsonDocument.Parse(sent.Body);
        Assert.Equal("5511977771234", json.RootElement.GetProperty("to").GetString());
        Assert.Equal("pedido_enviado", json.RootElement.GetProperty("template").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ClosedWindow_OffersEnviarModelo_BlocksFreeText_AndSendsTheTemplate()
    {
        var admin = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Role, Roles.Admin)], "test"));
        Assert.True((await fixture.App.Services.GetRequiredService<WhatsAppTemplateService>().SyncAsync(admin, _channelId)).Succeeded);
        int conversationId;
        await using (var db = await Factory.CreateDbContextAsync())
        {
            // Beatriz Lima (demo data) last wrote 25 hours ago.
            conversationId = await db.Conversations.Where(c => c.ChannelId == _channelId && c.Contact.Name == "Beatriz Lima")
                .Select(c => c.Id).SingleAsync();
            await db.Conversations.Where(c => c.Id == conversationId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastCustomerMessageAt, DateTime.UtcNow.AddHours(-25)));
        }

        var page = await OpenAsync($"/conversations/{conversationId}");

        await Expect(page.GetByTestId("reply-window-closed")).ToContainTextAsync("24 horas");
        await Expect(page.GetByLabel("Responder")).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Enviar", Exact = true })).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Enviar modelo" }).ClickAsync();
        var form = page.GetByTestId("template-form");
        await ChooseAsync(page, form, "Modelo", "pedido_enviado (pt_BR)");
        await form.GetByLabel("Parâmetro {{1}}").FillAsync("Beatriz");
        await form.GetByLabel("Parâmetro {{2}}").FillAsync("5120");
        await Expect(form.GetByTestId("template-preview")).ToHaveTextAsync("Olá Beatriz, seu pedido 5120 foi enviado.");
        await form.GetByRole(AriaRole.Button, new() { Name = "Enviar modelo" }).ClickAsync();

        var message = page.GetByTestId("thread").GetByTestId("message").Filter(new() { HasText = "Olá Beatriz, seu pedido 5120 foi enviado." });
        await Expect(message).ToBeVisibleAsync();
        await Expect(message.GetByTestId("delivery")).ToHaveAttributeAsync("data-state", "Sent");
        await Expect(message.GetByTestId("template-badge")).ToHaveTextAsync("Modelo pedido_enviado");
        await Expect(page.GetByTestId("template-form")).ToHaveCountAsync(0);
        // Free text is still blocked after the template: only the customer's answer reopens the window.
        await Expect(page.GetByLabel("Responder")).ToBeDisabledAsync();
    }

    /// <summary>Opens a MudSelect by its label inside <paramref name="scope"/> and picks an option from its list.</summary>
    private static async Task ChooseAsync(IPage page, ILocator scope, string label, string option)
    {
        await scope.GetByLabel(label, new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Listbox)).ToHaveCountAsync(0);
    }
}
