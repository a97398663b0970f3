using Bunit;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

public class AttachmentViewTests
{
    private static ThreadMessage Incoming(string content, params ThreadAttachment[] attachments) =>
        new(21, MessageDirection.Incoming, MessageKind.Text, SenderType.Contact, null, "Maria", content, DeliveryStatus.None, null, TestData.Now)
        {
            Attachments = attachments,
        };

    private static ThreadAttachment Attachment(MediaKind kind, MediaState state = MediaState.Ready, string? type = null, string? name = null,
        long? size = null, MediaDetails? details = null, string? failure = null, long id = 5) =>
        new(id, kind, state, name, type, size, null, details, failure);

    private static IRenderedComponent<MessageView> Render(ComponentTestContext context, ThreadMessage message, Action<long>? retried = null) =>
        context.Render<MessageView>(p => p.Add(c => c.Message, message).Add(c => c.RetryMedia, id => retried?.Invoke(id)));

    [Fact]
    public async Task Photo_WithoutCaption_ShowsTheThumbnailAlone_AndOpensInALightbox()
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Incoming("📷 Foto", Attachment(MediaKind.Image, type: "image/jpeg")));

        Assert.Empty(cut.FindAll("[data-testid=message-text]"));
        var image = cut.Find("[data-testid=attachment-image] img");
        Assert.Equal("/media/5", image.GetAttribute("src"));
        Assert.Equal("foto", image.GetAttribute("alt"));

        cut.Find("[data-testid=attachment-image]").Click();

        Assert.Equal("/media/5", cut.Find("[data-testid=lightbox] img").GetAttribute("src"));
        cut.Find("[data-testid=lightbox]").KeyDown("Escape");
        Assert.Empty(cut.FindAll("[data-testid=lightbox]"));
    }

    [Fact]
    public async Task Sticker_TheAgentSent_ShowsAsTheCustomersDo()
    {
        await using var context = new ComponentTestContext();
        var sticker = Attachment(MediaKind.Sticker, type: "image/webp", name: "joinha.webp");
        var outgoing = new ThreadMessage(22, MessageDirection.Outgoing, MessageKind.Text, SenderType.Agent, "ana", "Ana", "🏷️ Figurinha",
            DeliveryStatus.Sent, null, TestData.Now) { Attachments = [sticker] };

        var agents = Render(context, outgoing);
        var customers = Render(context, Incoming("🏷️ Figurinha", sticker));

        foreach (var cut in new[] { agents, customers })
        {
            Assert.Equal("Sticker", cut.Find("[data-testid=attachment]").GetAttribute("data-kind"));
            Assert.Equal("/media/5", cut.Find("[data-testid=attachment-image] img").GetAttribute("src"));
            Assert.Empty(cut.FindAll("[data-testid=message-text]"));
        }
    }

    [Fact]
    public async Task Photo_WithCaption_ShowsBoth()
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Incoming("Olha o defeito", Attachment(MediaKind.Image, type: "image/png")));

        Assert.Single(cut.FindAll("[data-testid=attachment-image]"));
        Assert.Equal("Olha o defeito", cut.Find("[data-testid=message-text]").TextContent);
    }

    [Fact]
    public async Task VoiceNote_IsAPlayer()
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Incoming("🎤 Áudio", Attachment(MediaKind.Voice, type: "audio/ogg")));

        var audio = cut.Find("audio[data-testid=attachment-audio]");
        Assert.Equal("/media/5", audio.GetAttribute("src"));
        Assert.True(audio.HasAttribute("controls"));
    }

    [Fact]
    public async Task ImageWhoseBytesAreHtml_IsAFileChip_NotAnImage()
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Incoming("📷 Foto", Attachment(MediaKind.Image, type: "text/html", size: 80)));

        Assert.Empty(cut.FindAll("img"));
        Assert.Equal("/media/5", cut.Find("[data-testid=attachment-file]").GetAttribute("href"));
    }

    [Fact]
    public async Task Document_IsAChipWithNameTypeAndSize()
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Incoming("📄 contrato.pdf", Attachment(MediaKind.Document, type: "application/pdf", name: "contrato.pdf", size: 245_760)));

        var chip = cut.Find("[data-testid=attachment-file]");
        Assert.Contains("contrato.pdf", chip.TextContent);
        Assert.Contains("PDF", chip.TextContent);
        Assert.Contains("240 KB", chip.TextContent);
    }

    [Fact]
    public async Task Place_LinksToTheMap()
    {
        await using var context = new ComponentTestContext();
        var cut = Render(context, Incoming("📍 Loja Paulista",
            Attachment(MediaKind.Location, details: new MediaDetails(-23.5614, -46.6559, "Loja Paulista", "Av. Paulista, 1000"))));

        var link = cut.Find("[data-testid=attachment-place]");
        Assert.Contains("mlat=-23.5614&mlon=-46.6559", link.GetAttribute("href"));
        Assert.Contains("Loja Paulista — Av. Paulista, 1000", link.TextContent);
    }

    [Fact]
    public async Task Pending_ShowsLoading_AndFailed_OffersTentarNovamente()
    {
        await using var context = new ComponentTestContext();
        long? retried = null;
        var pending = Render(context, Incoming("📷 Foto", Attachment(MediaKind.Image, MediaState.Pending)));
        Assert.Contains("Carregando foto", pending.Find("[data-testid=attachment-pending]").TextContent);

        var failed = Render(context, Incoming("📷 Foto", Attachment(MediaKind.Image, MediaState.Failed, failure: "O provedor respondeu HTTP 502.", id: 9)),
            id => retried = id);

        Assert.Contains("Não foi possível baixar foto: O provedor respondeu HTTP 502.", failed.Find("[data-testid=attachment-failed]").TextContent);
        failed.Find("[data-testid=attachment-retry]").Click();
        Assert.Equal(9, retried);
    }
}
