using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.JSInterop;
using MudBlazor;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// The reply box's side of "who is here": what it tells the other agents while Ana types (throttled, cleared when she
/// sends or empties the draft), and the question before a reply when another agent has just answered the customer.
/// </summary>
public class ReplyBoxPresenceTests
{
    private static readonly Actor Ana = new("agent-ana", "Ana Souza");
    private static readonly Actor Bruno = new("agent-bruno", "Bruno Lima");

    private sealed record Box(ComponentTestContext Context, IRenderedComponent<MudDialogProvider> Dialogs, IRenderedComponent<ReplyBox> Cut,
        int ConversationId, List<PresenceSignal> Told)
    {
        public ConversationPresence Presence => Context.GetService<ConversationPresence>();

        public ConversationCommands Commands => Context.GetService<ConversationCommands>();

        public string Draft => Cut.Find("textarea#reply-text").GetAttribute("value") ?? "";

        /// <summary>One input event, awaited: the next step of the test sees what it did.</summary>
        public Task TypeAsync(string text) => Cut.Find("textarea#reply-text").InputAsync(new Microsoft.AspNetCore.Components.ChangeEventArgs { Value = text });

        public Task ChooseNoteAsync() => Cut.FindAll("[role=tab]").Single(t => t.TextContent == "Nota privada").ClickAsync(new());

        /// <summary>Enter, as inbox.js hands it over; not awaited here, since it may wait for the dialog.</summary>
        public Task PressEnterAsync()
        {
            var attach = Context.JSInterop.VerifyInvoke("ttmInbox.attachReply");
            var component = Assert.IsType<DotNetObjectReference<ReplyBox>>(attach.Arguments[1]).Value;
            var text = Draft;
            return Cut.InvokeAsync(() => component.SubmitFromKeyboard(text));
        }

        public IReadOnlyList<PresenceSignalKind> TypingSignals() =>
            Told.Where(s => s.Kind is PresenceSignalKind.Typing or PresenceSignalKind.StoppedTyping).Select(s => s.Kind).ToList();

        public IElement DialogButton(string text) => Dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text);

        public async Task<List<string>> RepliesByAsync(Actor agent)
        {
            await using var db = Context.Database.NewContext();
            return await db.Messages.AsNoTracking()
                .Where(m => m.ConversationId == ConversationId && m.Kind == MessageKind.Text && m.SenderId == agent.UserId)
                .OrderBy(m => m.Id).Select(m => m.Content).ToListAsync();
        }
    }

    private static async Task<Box> OpenAsync(ComponentTestContext context)
    {
        var database = await context.AddCoreAsync();
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync("API Loja")).Id;
            // Real accounts: a command by an agent the database does not know is refused (teams' channel rule).
            foreach (var agent in new[] { Ana, Bruno })
            {
                db.Users.Add(new TalkToMe.Core.Agents.AppUser
                {
                    Id = agent.UserId!, UserName = $"{agent.UserId}@talktome.local", Email = $"{agent.UserId}@talktome.local", DisplayName = agent.Name,
                });
            }

            await db.SaveChangesAsync();
        }

        var received = await context.GetService<InboundWriter>()
            .ReceiveAsync(new InboundMessage(channelId, "cliente-42", "Maria", "m-1", "Meu pedido não chegou"));
        var conversationId = received.ConversationId!.Value;
        var told = new List<PresenceSignal>();
        context.GetService<ConversationPresence>().SubscribeHere(told.Add);
        var dialogs = context.Render<MudDialogProvider>();
        var cut = context.Render<ReplyBox>(p => p
            .Add(c => c.ConversationId, conversationId)
            .Add(c => c.Actor, Ana)
            .Add(c => c.ChannelId, channelId)
            .Add(c => c.ChannelType, ChannelType.Api));
        return new Box(context, dialogs, cut, conversationId, told);
    }

    [Fact]
    public async Task Typing_TellsTheOthersAtMostOncePerInterval_AndClearsWhenSent()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);

        await box.TypeAsync("O");
        await box.TypeAsync("Ol");
        await box.TypeAsync("Olá");
        Assert.Equal([PresenceSignalKind.Typing], box.TypingSignals());
        Assert.Equal([("Ana Souza", false)], box.Presence.Snapshot(box.ConversationId).Typists.Select(t => (t.Name, t.IsNote)));

        context.Clock.Advance(box.Presence.Options.TypingSignalEvery - TimeSpan.FromMilliseconds(1));
        await box.TypeAsync("Olá, ");
        Assert.Single(box.TypingSignals());
        context.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await box.TypeAsync("Olá, Maria");
        Assert.Equal([PresenceSignalKind.Typing, PresenceSignalKind.Typing], box.TypingSignals());

        await box.PressEnterAsync();

        Assert.Equal(["Olá, Maria"], await box.RepliesByAsync(Ana));
        Assert.Equal(PresenceSignalKind.StoppedTyping, box.TypingSignals()[^1]);
        Assert.Empty(box.Presence.Snapshot(box.ConversationId).Typists);
    }

    [Fact]
    public async Task EmptyingTheDraft_ClearsTheIndicatorAtOnce_AndANoteIsSignalledAsANote()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);

        await box.TypeAsync("Vou verificar");
        await box.TypeAsync("");
        Assert.Equal([PresenceSignalKind.Typing, PresenceSignalKind.StoppedTyping], box.TypingSignals());
        Assert.Empty(box.Presence.Snapshot(box.ConversationId).Typists);

        await box.TypeAsync("Cliente VIP");
        await box.ChooseNoteAsync();

        Assert.True(box.Presence.Snapshot(box.ConversationId).Typists.Single().IsNote);
    }

    [Fact]
    public async Task Send_SecondsAfterAnotherAgentReplied_AsksFirst_AndCancelarKeepsTheDraft()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        await box.Commands.ReplyAsync(box.ConversationId, Bruno, "Já estou vendo, Maria.");
        context.Clock.Advance(TimeSpan.FromSeconds(12));
        await box.TypeAsync("Olá Maria, vou verificar");

        var sending = box.PressEnterAsync();

        box.Dialogs.WaitForAssertion(() =>
            Assert.Contains("Bruno Lima respondeu há 12 s. Enviar mesmo assim?", box.Dialogs.Find(".mud-dialog").TextContent));
        await box.DialogButton("Cancelar").ClickAsync(new());
        await sending;

        Assert.Empty(await box.RepliesByAsync(Ana));
        Assert.Equal("Olá Maria, vou verificar", box.Draft);
        Assert.Empty(box.Dialogs.FindAll(".mud-dialog"));
    }

    [Fact]
    public async Task Send_ConfirmedWithEnviar_SendsTheReply()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        await box.Commands.ReplyAsync(box.ConversationId, Bruno, "Já estou vendo, Maria.");
        context.Clock.Advance(TimeSpan.FromSeconds(3));
        await box.TypeAsync("Segue o código de rastreio");

        var sending = box.PressEnterAsync();
        box.Dialogs.WaitForAssertion(() => Assert.Contains("Bruno Lima respondeu há 3 s.", box.Dialogs.Find(".mud-dialog").TextContent));
        await box.DialogButton("Enviar").ClickAsync(new());
        await sending;

        Assert.Equal(["Segue o código de rastreio"], await box.RepliesByAsync(Ana));
        Assert.Equal("", box.Draft);
    }

    [Fact]
    public async Task Send_AfterAnotherAgentRepliedWhileTheDraftWasOpen_AsksEvenMinutesLater()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        await box.TypeAsync("Deixa eu ver o pedido");
        context.Clock.Advance(TimeSpan.FromMinutes(2));
        await box.Commands.ReplyAsync(box.ConversationId, Bruno, "Seu pedido sai hoje.");
        context.Clock.Advance(TimeSpan.FromMinutes(3));
        await box.TypeAsync("Deixa eu ver o pedido, Maria");

        var sending = box.PressEnterAsync();

        box.Dialogs.WaitForAssertion(() =>
            Assert.Contains("Bruno Lima respondeu há 3 min. Enviar mesmo assim?", box.Dialogs.Find(".mud-dialog").TextContent));
        await box.DialogButton("Cancelar").ClickAsync(new());
        await sending;
        Assert.Empty(await box.RepliesByAsync(Ana));
    }

    [Fact]
    public async Task Send_AfterOwnOrOldRepliesOrAnotherAgentsNote_SendsWithoutAsking_AndAsksOnlyOnceAboutOneReply()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        await box.Commands.ReplyAsync(box.ConversationId, Bruno, "Resposta antiga");
        context.Clock.Advance(TimeSpan.FromMinutes(5));
        await box.Commands.ReplyAsync(box.ConversationId, Ana, "Minha resposta");
        await box.Commands.AddNoteAsync(box.ConversationId, Bruno, "Nota do Bruno");
        context.Clock.Advance(TimeSpan.FromSeconds(5));

        await box.TypeAsync("Mais alguma dúvida?");
        await box.PressEnterAsync();

        Assert.Equal(["Minha resposta", "Mais alguma dúvida?"], await box.RepliesByAsync(Ana));
        Assert.Empty(box.Dialogs.FindAll(".mud-dialog"));

        // A fresh reply by Bruno: asked once; after Cancelar, the next try sends (Ana has seen it).
        await box.Commands.ReplyAsync(box.ConversationId, Bruno, "Acabei de responder");
        await box.TypeAsync("Obrigada!");
        var first = box.PressEnterAsync();
        box.Dialogs.WaitForAssertion(() => Assert.NotEmpty(box.Dialogs.FindAll(".mud-dialog")));
        await box.DialogButton("Cancelar").ClickAsync(new());
        await first;
        await box.PressEnterAsync();

        Assert.Equal(["Minha resposta", "Mais alguma dúvida?", "Obrigada!"], await box.RepliesByAsync(Ana));
    }

    [Fact]
    public async Task PrivateNote_NeverAsks()
    {
        await using var context = new ComponentTestContext();
        var box = await OpenAsync(context);
        await box.Commands.ReplyAsync(box.ConversationId, Bruno, "Já estou vendo, Maria.");
        await box.ChooseNoteAsync();
        await box.TypeAsync("Bruno já respondeu");

        await box.PressEnterAsync();

        Assert.Empty(box.Dialogs.FindAll(".mud-dialog"));
        await using var db = context.Database.NewContext();
        Assert.True(await db.Messages.AnyAsync(m => m.Kind == MessageKind.PrivateNote && m.Content == "Bruno já respondeu"));
    }
}
