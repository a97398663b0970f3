using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Widget;

/// <summary>A visitor on somebody else's site (another loopback port) chats through the widget with a live agent.</summary>
public class WidgetChatTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private HostPageServer _site = null!;

    public async Task InitializeAsync() => _site = await HostPageServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private async Task<Channel> AddWebsiteChannelAsync(string name, bool active = true, Action<WebsiteSettings>? configure = null)
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
        var channel = new Channel(name, ChannelType.Website, Secrets.NewKey(), DateTime.UtcNow);
        var settings = new WebsiteSettings { WebsiteUrl = _site.BaseUrl, WelcomeTitle = "Loja Exemplo", IdentityVerificationSecret = "s3gredo" };
        configure?.Invoke(settings);
        channel.SetSettings(settings);
        channel.SetSwitches(active, false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        _site.Html = $"""
            <!DOCTYPE html><html><head><title>Loja Exemplo</title></head><body><h1>Loja Exemplo</h1>
            <script src="{fixture.App.BaseUrl}/widget.js" data-channel="{channel.PublicKey}" async></script></body></html>
            """;
        return channel;
    }

    private async Task<(IPage Page, IFrameLocator Chat)> OpenWidgetAsync()
    {
        var visitor = await fixture.Browser.NewPageAsync();
        await visitor.GotoAsync(_site.BaseUrl + "/");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Abrir chat" }).ClickAsync();
        return (visitor, visitor.FrameLocator("iframe[data-talktome=frame]"));
    }

    [Fact]
    public async Task Visitor_ChatsWithAnAgent_LiveBothWays_AndKeepsTheConversationAcrossReloads()
    {
        var channel = await AddWebsiteChannelAsync("Chat da Loja");
        var agent = await fixture.SignedInPageAsync();
        var (visitor, chat) = await OpenWidgetAsync();

        await Expect(chat.GetByText("Loja Exemplo")).ToBeVisibleAsync();
        await chat.GetByLabel("Sua mensagem").FillAsync("Olá, vocês entregam no sábado?");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chat.GetByTestId("widget-message").Last).ToHaveTextAsync("Olá, vocês entregam no sábado?");

        // The agent's open inbox shows it at the top, without a reload.
        var top = agent.GetByTestId("conversation").First;
        await Expect(top).ToContainTextAsync("Chat da Loja");
        await Expect(top).ToContainTextAsync("Olá, vocês entregam no sábado?");

        int conversationId;
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
            conversationId = await db.Conversations.Where(c => c.ChannelId == channel.Id).Select(c => c.Id).SingleAsync();
            var service = scope.ServiceProvider.GetRequiredService<ConversationCommands>();
            await service.ReplyAsync(conversationId, new Actor(null, "Ana Souza"), "Entregamos sim, até as 14h.");
            await service.AddNoteAsync(conversationId, new Actor(null, "Ana Souza"), "Cliente VIP — não mencionar.");
        }

        // The reply arrives in the widget live; the private note never does.
        await Expect(chat.GetByText("Entregamos sim, até as 14h.")).ToBeVisibleAsync();
        await Expect(chat.GetByText("Cliente VIP — não mencionar.")).ToHaveCountAsync(0);

        // After a reload the visitor's conversation is still there (signed token in the frame's storage).
        await visitor.ReloadAsync();
        var reloaded = visitor.FrameLocator("iframe[data-talktome=frame]");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Abrir chat" }).ClickAsync();
        await Expect(reloaded.GetByText("Entregamos sim, até as 14h.")).ToBeVisibleAsync();
        await Expect(reloaded.GetByText("Olá, vocês entregam no sábado?")).ToBeVisibleAsync();

        // Another visitor sees none of it.
        var (stranger, strangerChat) = await OpenWidgetAsync();
        await Expect(strangerChat.GetByLabel("Sua mensagem")).ToBeVisibleAsync();
        await Expect(strangerChat.GetByTestId("widget-message")).ToHaveCountAsync(0);
        await stranger.CloseAsync();
    }

    [Fact]
    public async Task ExitFlowRating_ShowsFiveButtons_AndTheChosenScoreIsStoredOnTheConversation()
    {
        var channel = await AddWebsiteChannelAsync("Chat Avaliação");
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
            var exit = new TalkToMe.Core.Flows.Flow($"Pesquisa {Guid.NewGuid():N}", DateTime.UtcNow);
            exit.ReplaceSteps([new TalkToMe.Core.Flows.FlowStep(TalkToMe.Core.Flows.FlowStepType.Rating, "")]);
            db.Flows.Add(exit);
            await db.SaveChangesAsync();
            var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            stored.SetFlows(null, exit.Id);
            await db.SaveChangesAsync();
        }

        var (_, chat) = await OpenWidgetAsync();
        await chat.GetByLabel("Sua mensagem").FillAsync("Meu pedido chegou, obrigado");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chat.GetByTestId("widget-message").Last).ToHaveTextAsync("Meu pedido chegou, obrigado");
        await Expect(chat.GetByTestId("widget-rating")).ToHaveCountAsync(0);

        int conversationId;
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
            conversationId = await db.Conversations.Where(c => c.ChannelId == channel.Id).Select(c => c.Id).SingleAsync();
            await scope.ServiceProvider.GetRequiredService<ConversationCommands>().ResolveAsync(conversationId, new Actor("x", "Ana Souza", IsAdmin: true));
        }

        // The exit flow asks; the widget shows the question and five buttons.
        await Expect(chat.GetByText("Como você avalia o nosso atendimento?", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(chat.GetByTestId("widget-rating").GetByRole(AriaRole.Button)).ToHaveCountAsync(5);

        await chat.GetByRole(AriaRole.Button, new() { Name = "4 - Bom" }).ClickAsync();

        await Expect(chat.GetByTestId("widget-message").Last).ToHaveTextAsync("4");
        await Expect(chat.GetByTestId("widget-rating")).ToHaveCountAsync(0);
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
            Assert.Equal(4, await db.Conversations.Where(c => c.Id == conversationId).Select(c => c.CsatScore).SingleAsync());
        }
    }

    [Fact]
    public async Task InactiveChannel_WidgetSaysChatIsUnavailable_AndAcceptsNothing()
    {
        await AddWebsiteChannelAsync("Chat desligado", active: false);

        var (_, chat) = await OpenWidgetAsync();

        await Expect(chat.GetByTestId("widget-unavailable")).ToHaveTextAsync("O chat não está disponível no momento.");
        await Expect(chat.GetByLabel("Sua mensagem")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SiteNotAllowed_CannotUseTheChat()
    {
        await AddWebsiteChannelAsync("Chat de outro site", configure: s => s.AllowedOrigins = ["https://somente-este.example"]);

        var (_, chat) = await OpenWidgetAsync();

        // The browser refuses to frame it (frame-ancestors), so the visitor gets no chat at all.
        await Expect(chat.GetByLabel("Sua mensagem")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task VerifiedIdentity_NamesTheContact_AndAForgedHashIsRefused()
    {
        var channel = await AddWebsiteChannelAsync("Chat verificado");
        var hash = WebsiteIdentity.Hash("s3gredo", "cliente-77");
        _site.Html = _site.Html.Replace("<script src=", $$"""<script>window.talkToMeSettings = { identifier: "cliente-77", identifierHash: "{{hash}}", name: "Cliente 77" };</script><script src=""");

        var (_, chat) = await OpenWidgetAsync();
        await chat.GetByLabel("Sua mensagem").FillAsync("Sou eu");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chat.GetByTestId("widget-message")).ToHaveTextAsync("Sou eu");

        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
            var identity = await db.ContactIdentities.Include(i => i.Contact).SingleAsync(i => i.ChannelId == channel.Id);
            Assert.Equal("id:cliente-77", identity.ExternalId);
            Assert.Equal("Cliente 77", identity.Contact.Name);
        }

        _site.Html = _site.Html.Replace(hash, new string('0', 64));
        var (_, forged) = await OpenWidgetAsync();
        await Expect(forged.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Não foi possível confirmar sua identidade neste site.");
    }

    /// <summary>
    /// Files both ways through the widget: the visitor attaches a photo and pastes a PDF, which the agent sees in the thread; the agent answers
    /// with a voice note and a PDF from the reply box, which the visitor gets as a player and a download from links that open
    /// only for their own conversation.
    /// </summary>
    [Fact]
    public async Task Visitor_SendsAPhoto_AndGetsTheAgentsVoiceNoteAndPdf_AsAPlayerAndADownload()
    {
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGO44GCAFTEMLQkAaplQARqfGIQAAAAASUVORK5CYII=");
        byte[] ogg = [.. "OggS"u8, 0x00, 0x02, .. Enumerable.Range(0, 800).Select(i => (byte)(i * 7))];
        byte[] pdf = [.. "%PDF-1.4 recibo"u8];
        var channel = await AddWebsiteChannelAsync("Chat com arquivos");
        var (visitor, chat) = await OpenWidgetAsync();
        await Expect(chat.GetByText("Loja Exemplo")).ToBeVisibleAsync();
        // Live once the visitor is known: until then the input is disabled, as for a person.
        var attach = chat.GetByLabel("Anexar arquivo");
        await Expect(attach).ToBeEnabledAsync();

        await attach.SetInputFilesAsync(new FilePayload { Name = "defeito.png", MimeType = "image/png", Buffer = png });
        var photo = chat.GetByTestId("widget-file").Locator("img");
        await Expect(photo).ToBeVisibleAsync();
        await Expect(photo).ToHaveAttributeAsync("alt", "defeito.png");

        // A file pasted into the message box goes too, as a message of its own.
        var frame = visitor.Frames.Single(f => f.Url.Contains("/widget/", StringComparison.Ordinal));
        await frame.EvaluateAsync("""
            () => {
                const data = new DataTransfer();
                data.items.add(new File([new TextEncoder().encode("%PDF-1.4 nota")], "nota.pdf", { type: "application/pdf" }));
                document.getElementById("ttm-widget-input").dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
            }
            """);
        await Expect(chat.Locator("a[data-testid=widget-file]").Filter(new() { HasText = "nota.pdf" })).ToBeVisibleAsync();

        int conversationId;
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
            conversationId = await db.Conversations.Where(c => c.ChannelId == channel.Id).Select(c => c.Id).SingleAsync();
        }

        var agent = await fixture.SignedInPageAsync();
        await agent.GotoAsync($"/conversations/{conversationId}");
        await BrowserFixture.WaitForCircuitAsync(agent);
        await Expect(agent.GetByTestId("attachment-image").Locator("img")).ToBeVisibleAsync();

        var chooser = await agent.RunAndWaitForFileChooserAsync(() => agent.GetByRole(AriaRole.Button, new() { Name = "Anexar arquivos" }).ClickAsync());
        await chooser.SetFilesAsync(new[]
        {
            new FilePayload { Name = "resposta.ogg", MimeType = "audio/ogg", Buffer = ogg },
            new FilePayload { Name = "recibo.pdf", MimeType = "application/pdf", Buffer = pdf },
        });
        await Expect(agent.GetByTestId("reply-file")).ToHaveCountAsync(2);
        await agent.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();

        // In the widget, live: the voice note as a player, the PDF as a download, each from the visitor's own link.
        var voice = chat.Locator("audio[data-testid=widget-file]");
        await Expect(voice).ToHaveCountAsync(1);
        await Expect(voice).ToHaveAttributeAsync("aria-label", "Mensagem de voz");
        var download = chat.Locator("a[data-testid=widget-file]").Filter(new() { HasText = "recibo.pdf" });
        await Expect(download).ToBeVisibleAsync();
        var voiceUrl = fixture.App.BaseUrl + await voice.GetAttributeAsync("src");
        var heard = await visitor.APIRequest.GetAsync(voiceUrl);
        Assert.Equal(200, heard.Status);
        Assert.Equal("audio/ogg", heard.Headers["content-type"]);
        Assert.Equal(ogg, await heard.BodyAsync());
        var pdfResponse = await visitor.APIRequest.GetAsync(fixture.App.BaseUrl + await download.GetAttributeAsync("href"));
        Assert.Equal(pdf, await pdfResponse.BodyAsync());
        // A link that was changed opens nothing.
        Assert.Equal(404, (await visitor.APIRequest.GetAsync(voiceUrl[..^4] + "abcd")).Status);
        await Accessibility.AxeScanTests.AssertNoSeriousViolationsAsync(frame, "the widget with files both ways");
    }
}
