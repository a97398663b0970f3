using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// Files in the reply box on a real conversation and media store: chosen, previewed as chips, refused with the channel's
/// limit, taken out, and sent with the caption as the reply's attachments. (The paste and drop paths run in the browser test.)
/// </summary>
public sealed class ReplyBoxFilesTests : IDisposable
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGO44GCAFTEMLQkAaplQARqfGIQAAAAASUVORK5CYII=");

    private static readonly byte[] Pdf = "%PDF-1.4 contrato"u8.ToArray();

    private readonly string _folder = Directory.CreateTempSubdirectory("ttm-reply-files-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<(IRenderedComponent<ReplyBox> Cut, int ConversationId)> OpenAsync(ComponentTestContext context, ChannelType type,
        ChannelType? shownAs = null) => context.OpenReplyBoxAsync(_folder, type, "Pode mandar o contrato?", shownAs);

    [Fact]
    public async Task ChosenFiles_ShowAsChips_OneIsTakenOut_AndTheRestGoWithTheCaption()
    {
        await using var context = new ComponentTestContext();
        var (cut, conversationId) = await OpenAsync(context, ChannelType.Api);

        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromBinary(Png, "foto.png", contentType: "image/png"),
            InputFileContent.CreateFromBinary(Pdf, "contrato.pdf", contentType: "application/pdf"),
            InputFileContent.CreateFromBinary(Pdf, "rascunho.pdf", contentType: "application/pdf"));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=reply-file]").Count));
        Assert.Contains("contrato.pdf", cut.Find("[data-testid=reply-files]").TextContent);

        cut.Find("button[aria-label='Remover rascunho.pdf']").Click();
        Assert.Equal(2, cut.FindAll("[data-testid=reply-file]").Count);

        cut.Find("textarea#reply-text").Input("Segue o contrato");
        await cut.Find("form[data-testid=reply-box]").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=reply-file]")));

        await using var db = context.Database.NewContext();
        var reply = await db.Messages.AsNoTracking().SingleAsync(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Outgoing);
        Assert.Equal("Segue o contrato", reply.Content);
        var files = await db.Attachments.AsNoTracking().Where(a => a.MessageId == reply.Id).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(["foto.png", "contrato.pdf"], files.Select(f => f.FileName));
        Assert.Equal([MediaKind.Image, MediaKind.Document], files.Select(f => f.Kind));
        Assert.All(files, f => Assert.Equal(MediaState.Ready, f.State));
        // The bytes sent are the bytes chosen.
        var store = context.Services.GetRequiredService<IMediaStore>();
        await using var stored = (await store.OpenReadAsync(files[1].Sha256!, CancellationToken.None))!;
        using var copy = new MemoryStream();
        await stored.CopyToAsync(copy);
        Assert.Equal(Pdf, copy.ToArray());
    }

    [Fact]
    public async Task AFileOverTheChannelsLimit_IsRefusedNamingTheLimit_AndTheOthersStay()
    {
        await using var context = new ComponentTestContext();
        var (cut, conversationId) = await OpenAsync(context, ChannelType.WhatsApp);

        // 6 MB declared as a JPEG: WhatsApp takes images up to 5 MB, so it is refused before it is even uploaded.
        var big = new byte[6 * 1024 * 1024];
        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromBinary(big, "grande.jpg", contentType: "image/jpeg"),
            InputFileContent.CreateFromBinary(Pdf, "contrato.pdf", contentType: "application/pdf"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=reply-file]")));
        var error = cut.Find("[role=alert]").TextContent;
        Assert.Contains("grande.jpg", error);
        Assert.Contains("O WhatsApp aceita imagens de até 5 MB.", error);

        await using var db = context.Database.NewContext();
        Assert.False(await db.Messages.AnyAsync(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Outgoing));
    }

    [Fact]
    public async Task OnWhatsApp_AWebpIsASticker_TakenUpToTheStickerLimit()
    {
        await using var context = new ComponentTestContext();
        var (cut, conversationId) = await OpenAsync(context, ChannelType.WhatsApp);
        byte[] Webp(int size) => [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8 "u8, .. new byte[size - 16]];

        // WhatsApp takes no WebP image, but a WebP sticker up to 500 KB: the small one is a chip, the large one refused.
        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromBinary(Webp(20 * 1024), "joinha.webp", contentType: "image/webp"),
            InputFileContent.CreateFromBinary(Webp(600 * 1024), "enorme.webp", contentType: "image/webp"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=reply-file]")));
        var error = cut.Find("[role=alert]").TextContent;
        Assert.Contains("enorme.webp", error);
        Assert.Contains("O WhatsApp aceita figurinhas de até 500 KB.", error);
        Assert.DoesNotContain("joinha.webp", error);

        await using var db = context.Database.NewContext();
        Assert.False(await db.Messages.AnyAsync(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Outgoing));
    }

    [Fact]
    public async Task AChannelThatSendsNoFiles_OffersNoAttachButton()
    {
        await using var context = new ComponentTestContext();
        // The Chatbot test chat is the one channel type that takes no files.
        var (cut, _) = await OpenAsync(context, ChannelType.Api, shownAs: ChannelType.Chatbot);

        Assert.Empty(cut.FindAll("[data-testid=attach-button]"));
        Assert.Empty(cut.FindComponents<InputFile>());
    }

    [Fact]
    public async Task InEnglish_TheAttachButtonAndChipsAreNamedInEnglish()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.English);
        var (cut, _) = await OpenAsync(context, ChannelType.Telegram);

        Assert.Equal("Attach files", cut.Find("[data-testid=attach-button]").GetAttribute("aria-label"));
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(Pdf, "contract.pdf", contentType: "application/pdf"));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("button[aria-label='Remove contract.pdf']")));
    }
}
