using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.JSInterop;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// The reply box on a real conversation. Which key sends is decided in inbox.js (Enter without Shift calls
/// SubmitFromKeyboard; Shift+Enter is left to the browser, which puts a line break in the text): here the component's
/// side of both keys is driven the way the browser drives it. The key test itself runs in the Browser tests.
/// </summary>
public class ReplyBoxTests
{
    private static readonly CannedResponseRow[] Canned =
    [
        new(1, "ola", "Olá! Como posso ajudar?"),
        new(2, "obrigado", "Obrigado pelo contato!"),
        new(3, "prazo", "O prazo de entrega é de 3 dias úteis."),
    ];

    private sealed record Box(ComponentTestContext Context, IRenderedComponent<ReplyBox> Cut, int ConversationId)
    {
        public string Draft => Cut.Find("textarea#reply-text").GetAttribute("value") ?? "";

        public void Type(string text) => Cut.Find("textarea#reply-text").Input(text);

        /// <summary>What inbox.js does on Enter without Shift: hands the textarea's text to the component it was attached with.</summary>
        public Task PressEnterAsync()
        {
            var attach = Context.JSInterop.VerifyInvoke("ttmInbox.attachReply");
            var component = Assert.IsType<DotNetObjectReference<ReplyBox>>(attach.Arguments[1]).Value;
            var text = Draft;
            return Cut.InvokeAsync(() => component.SubmitFromKeyboard(text));
        }

        public async Task<List<string>> SentAsync()
        {
            await using var db = Context.Database.NewContext();
            return await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == ConversationId && m.Direction == MessageDirection.Outgoing && m.Kind == MessageKind.Text)
                .OrderBy(m => m.Id).Select(m => m.Content).ToListAsync();
        }

        public IReadOnlyList<string> CannedCodes() => Cut.FindAll("[data-testid=canned-list] [role=option] strong").Select(e => e.TextContent).ToList();
    }

    private static async Task<Box> OpenAsync(ComponentTestContext context)
    {
        var database = await context.AddCoreAsync();
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync("API Loja")).Id;
        }

        var received = await context.GetService<InboundWriter>()
            .ReceiveAsync(new InboundMessage(channelId, "cliente-42", "Maria", "m-1", "Meu pedido não chegou"));
        var conversationId = received.ConversationId!.Value;
        var cut = context.Render<ReplyBox>(p => p
            .Add(c => c.ConversationId, conversationId)
            .Add(c => c.Actor, new Actor(null, "Ana"))
            .Add(c => c.CannedResponses, Canned)
            .Add(c => c.ChannelId, channelId)
            .Add(c => c.ChannelType, ChannelType.Api));
        return new Box(context, cut, conversationId);
    }

    [Fact]
    public async Task Enter_WithText_SendsTheReplyAndEmptiesTheBox()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        // The keyboard handler is attached to this box's textarea, not to some other element.
        var attached = Assert.IsType<ElementReference>(context.JSInterop.VerifyInvoke("ttmInbox.attachReply").Arguments[0]);
        Assert.Equal(attached.Id, box.Cut.Find("textarea#reply-text").GetAttribute("blazor:elementReference"));

        box.Type("Seu pedido saiu para entrega.");
        await box.PressEnterAsync();

        Assert.Equal(["Seu pedido saiu para entrega."], await box.SentAsync());
        Assert.Equal("", box.Draft);
    }

    [Fact]
    public async Task ShiftEnter_BreaksTheLineWithoutSending_AndEnterThenSendsBothLines()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);

        // Shift+Enter reaches the component only as the browser's line break inside the text.
        box.Type("Bom dia!\nSeu pedido saiu.");

        Assert.Empty(await box.SentAsync());
        Assert.Equal("Bom dia!\nSeu pedido saiu.", box.Draft);

        await box.PressEnterAsync();

        Assert.Equal(["Bom dia!\nSeu pedido saiu."], await box.SentAsync());
    }

    [Fact]
    public async Task Slash_OpensTheCannedResponses_NarrowedByWhatFollows()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        Assert.Empty(box.Cut.FindAll("[data-testid=canned-list]"));

        box.Type("/");
        Assert.Equal(["/ola", "/obrigado", "/prazo"], box.CannedCodes());
        Assert.Equal("Respostas prontas", box.Cut.Find("[data-testid=canned-list]").GetAttribute("aria-label"));

        box.Type("/o");
        Assert.Equal(["/ola", "/obrigado"], box.CannedCodes());

        box.Type("/o que houve?");
        Assert.Empty(box.Cut.FindAll("[data-testid=canned-list]"));
    }

    [Fact]
    public async Task CannedResponse_Clicked_ReplacesTheDraftAndClosesTheList_WithoutSending()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);

        box.Type("/pr");
        box.Cut.Find("[data-testid=canned-list] button").Click();

        Assert.Equal("O prazo de entrega é de 3 dias úteis.", box.Draft);
        Assert.Empty(box.Cut.FindAll("[data-testid=canned-list]"));
        Assert.Empty(await box.SentAsync());
    }

    [Fact]
    public async Task Enter_WithTheCannedListOpen_InsertsTheFirstMatchInsteadOfSending()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);

        box.Type("/ob");
        await box.PressEnterAsync();

        Assert.Empty(await box.SentAsync());
        Assert.Equal("Obrigado pelo contato!", box.Draft);

        await box.PressEnterAsync();

        Assert.Equal(["Obrigado pelo contato!"], await box.SentAsync());
    }

    [Fact]
    public async Task RespostasProntasButton_ListsThemAll_AndAPickedOneFollowsTheDraft()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        var button = box.Cut.Find("[data-testid=canned-button]");
        Assert.Equal("Respostas prontas", button.GetAttribute("aria-label"));

        box.Type("Oi Maria,");
        box.Cut.Find("[data-testid=canned-button]").Click();

        Assert.Equal(["/ola", "/obrigado", "/prazo"], box.CannedCodes());
        box.Cut.FindAll("[data-testid=canned-list] button")[2].Click();
        Assert.Equal("Oi Maria, O prazo de entrega é de 3 dias úteis.", box.Draft);
        Assert.Empty(box.Cut.FindAll("[data-testid=canned-list]"));
        Assert.Empty(await box.SentAsync());
    }

    [Fact]
    public async Task NotaPrivadaTab_TurnsTheBoxIntoANote_AndResponderTurnsItBack()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        var tabs = box.Cut.FindAll("[role=tab]");
        Assert.Equal(["Responder", "Nota privada"], tabs.Select(t => t.TextContent).ToList());
        Assert.Equal("true", tabs[0].GetAttribute("aria-selected"));

        box.Cut.FindAll("[role=tab]")[1].Click();

        Assert.Equal("true", box.Cut.FindAll("[role=tab]")[1].GetAttribute("aria-selected"));
        Assert.Equal("Nota privada", box.Cut.Find("label[for=reply-text]").TextContent);
        Assert.Contains("is-note", box.Cut.Find("[data-testid=reply-box]").ClassList);
        Assert.Contains("Adicionar nota", box.Cut.Find("button[type=submit]").TextContent);

        box.Type("Cliente VIP");
        await box.PressEnterAsync();
        Assert.Empty(await box.SentAsync());

        box.Cut.FindAll("[role=tab]")[0].Click();
        Assert.Equal("Responder", box.Cut.Find("label[for=reply-text]").TextContent);
        Assert.Contains("Enviar", box.Cut.Find("button[type=submit]").TextContent);
    }
}
