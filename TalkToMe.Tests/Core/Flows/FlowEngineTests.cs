using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Flows;

public class FlowEngineTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private readonly FakeTimeProvider _clock = new(TestData.Now);

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Start_RunsMessagesUntilTheQuestion_AndTheBotHoldsTheConversationAsPending()
    {
        var channel = await ChannelWithEntryFlowAsync(
            new FlowStep(FlowStepType.Message, "Olá, {{nome}}! Bem-vindo."),
            new FlowStep(FlowStepType.Question, "Qual é o seu e-mail?") { AnswerKey = "email", StoreOnContact = true },
            new FlowStep(FlowStepType.Message, "Obrigado!"));

        var id = await StartConversationAsync(channel, "Maria");

        Assert.Equal(["Olá, Maria! Bem-vindo.", "Qual é o seu e-mail?"], await BotTextsAsync(id));
        var conversation = await ConversationAsync(id);
        Assert.Equal(ConversationStatus.Pending, conversation.Status);
        Assert.Equal(1, conversation.FlowStepIndex);
        Assert.NotNull(conversation.FlowId);
    }

    [Fact]
    public async Task Question_StoresTheAnswerOnContactOrConversation_AndLaterStepsUseIt()
    {
        var channel = await ChannelWithEntryFlowAsync(
            new FlowStep(FlowStepType.Question, "Qual é o seu nome?") { AnswerKey = "apelido", StoreOnContact = true },
            new FlowStep(FlowStepType.Question, "Qual o número do pedido, {{apelido}}?") { AnswerKey = "pedido" },
            new FlowStep(FlowStepType.Message, "Pedido {{pedido}} anotado, {{apelido}}."),
            new FlowStep(FlowStepType.End, "Até mais!"));
        var id = await StartConversationAsync(channel);

        Assert.True(await CustomerSaysAsync(id, "Zé"));
        Assert.True(await CustomerSaysAsync(id, " 4521 "));

        Assert.Equal(["Qual é o seu nome?", "Qual o número do pedido, Zé?", "Pedido 4521 anotado, Zé.", "Até mais!"], await BotTextsAsync(id));
        await using var db = _database.NewContext();
        var conversation = await db.Conversations.Include(c => c.Contact).SingleAsync(c => c.Id == id);
        Assert.Equal("4521", Attributes.Read(conversation.AttributesJson)["pedido"]);
        Assert.Equal("Zé", Attributes.Read(conversation.Contact.AttributesJson)["apelido"]);
        Assert.False(Attributes.Read(conversation.AttributesJson).ContainsKey("apelido"));
        Assert.Equal(ConversationStatus.Resolved, conversation.Status);
        Assert.Null(conversation.FlowId);
    }

    [Fact]
    public async Task Menu_InvalidAnswer_GetsTheMenuAgainWithAHint()
    {
        var channel = await ChannelWithEntryFlowAsync(Menu(new MenuOption("Vendas", MenuTargetType.End, null)));
        var id = await StartConversationAsync(channel);

        Assert.True(await CustomerSaysAsync(id, "7"));
        Assert.True(await CustomerSaysAsync(id, "quero falar com alguém"));

        var texts = await BotTextsAsync(id);
        Assert.Equal(3, texts.Count);
        Assert.All(texts.Skip(1), t => Assert.StartsWith(FlowEngine.InvalidOptionHint, t));
        Assert.All(texts, t => Assert.Contains("1 - Vendas", t));
        Assert.Equal(ConversationStatus.Pending, (await ConversationAsync(id)).Status);
    }

    [Fact]
    public async Task Menu_OptionToAStep_ContinuesThere()
    {
        var channel = await ChannelWithEntryFlowAsync(
            Menu(new MenuOption("Horários", MenuTargetType.Step, "3"), new MenuOption("Sair", MenuTargetType.End, null)),
            new FlowStep(FlowStepType.Message, "Nunca mostrado"),
            new FlowStep(FlowStepType.Message, "Abrimos das 8h às 18h."),
            new FlowStep(FlowStepType.End, ""));
        var id = await StartConversationAsync(channel);

        await CustomerSaysAsync(id, "1");

        var texts = await BotTextsAsync(id);
        Assert.Equal("Abrimos das 8h às 18h.", texts[^1]);
        Assert.DoesNotContain("Nunca mostrado", texts);
        Assert.Equal(ConversationStatus.Resolved, (await ConversationAsync(id)).Status);
    }

    [Fact]
    public async Task Menu_OptionToAGroup_HandsTheConversationToAgents()
    {
        int groupId;
        await using (var db = _database.NewContext())
        {
            var group = new ChannelGroup("Financeiro", null);
            db.ChannelGroups.Add(group);
            await db.SaveChangesAsync();
            groupId = group.Id;
        }

        var channel = await ChannelWithEntryFlowAsync(
            Menu(new MenuOption("Boletos", MenuTargetType.ChannelGroup, groupId.ToString())),
            new FlowStep(FlowStepType.Message, "Nunca mostrado"));
        var id = await StartConversationAsync(channel);

        await CustomerSaysAsync(id, "1");

        var conversation = await ConversationAsync(id);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Null(conversation.FlowId);
        Assert.Equal("Financeiro", Attributes.Read(conversation.AttributesJson)[FlowEngine.GroupAttribute]);
        Assert.Contains(await ActivityAsync(id), a => a.Contains("transferida") && a.Contains("Financeiro"));
        Assert.False(await CustomerSaysAsync(id, "Alô?"));
    }

    [Fact]
    public async Task Transfer_ToAnAgent_AssignsAndOpens()
    {
        var agentId = await AddAgentAsync("Ana");
        var channel = await ChannelWithEntryFlowAsync(
            new FlowStep(FlowStepType.Transfer, "Vou te passar para a Ana.") { TransferAgentId = agentId });

        var id = await StartConversationAsync(channel);

        var conversation = await ConversationAsync(id);
        Assert.Equal(["Vou te passar para a Ana."], await BotTextsAsync(id));
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Equal(agentId, conversation.AssigneeId);
    }

    [Fact]
    public async Task Menu_OptionToAnAgent_Assigns()
    {
        var agentId = await AddAgentAsync("Beto");
        var channel = await ChannelWithEntryFlowAsync(Menu(new MenuOption("Falar com o Beto", MenuTargetType.Agent, agentId)));
        var id = await StartConversationAsync(channel);

        await CustomerSaysAsync(id, "Falar com o Beto");

        var conversation = await ConversationAsync(id);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Equal(agentId, conversation.AssigneeId);
    }

    [Fact]
    public async Task FlowWithoutEnd_HandsOverToAgentsWhenItRunsOut()
    {
        var channel = await ChannelWithEntryFlowAsync(new FlowStep(FlowStepType.Message, "Um agente já vai te atender."));

        var id = await StartConversationAsync(channel);

        Assert.Equal(ConversationStatus.Open, (await ConversationAsync(id)).Status);
    }

    [Fact]
    public async Task ExitFlow_OnResolve_AsksSatisfaction_StoresTheAnswerOnTheConversation()
    {
        var channel = await ChannelWithEntryFlowAsync(new FlowStep(FlowStepType.Message, "Oi"));
        var exit = await AddFlowAsync("Satisfação",
            new FlowStep(FlowStepType.Menu, "Como foi o atendimento?")
            {
                AnswerKey = "satisfacao",
                Options = [new MenuOption("Bom", MenuTargetType.End, null), new MenuOption("Ruim", MenuTargetType.End, null)],
            },
            new FlowStep(FlowStepType.Message, "Obrigado pela avaliação!"));
        await using (var db = _database.NewContext())
        {
            var entity = await db.Channels.SingleAsync(c => c.Id == channel);
            entity.SetFlows(entity.EntryFlowId, exit);
            await db.SaveChangesAsync();
        }

        var id = await StartConversationAsync(channel);
        await ResolveAsync(id);
        Assert.Equal("Como foi o atendimento?\n1 - Bom\n2 - Ruim", (await BotTextsAsync(id))[^1]);
        Assert.Equal(ConversationStatus.Resolved, (await ConversationAsync(id)).Status);

        // The answer arrives: the pipeline reopens the conversation, the exit flow stores it and closes it again.
        Assert.True(await CustomerSaysAsync(id, "1"));

        var conversation = await ConversationAsync(id);
        Assert.Equal("Bom", Attributes.Read(conversation.AttributesJson)["satisfacao"]);
        Assert.Equal(ConversationStatus.Resolved, conversation.Status);
        Assert.Null(conversation.FlowId);
    }

    [Fact]
    public async Task Restart_MidFlow_ContinuesWhereItWas()
    {
        var channel = await ChannelWithEntryFlowAsync(
            new FlowStep(FlowStepType.Question, "Seu nome?") { AnswerKey = "nome_cliente" },
            new FlowStep(FlowStepType.Question, "Sua cidade, {{nome_cliente}}?") { AnswerKey = "cidade" },
            new FlowStep(FlowStepType.Transfer, ""));
        var id = await StartConversationAsync(channel);
        await CustomerSaysAsync(id, "Rita");

        // A fresh engine and context, as after the app restarted: the state is the conversation's columns.
        await CustomerSaysAsync(id, "Recife", new FlowEngine(new FakeTimeProvider(TestData.Now.AddHours(1))));

        Assert.Equal(["Seu nome?", "Sua cidade, Rita?"], await BotTextsAsync(id));
        var conversation = await ConversationAsync(id);
        Assert.Equal("Recife", Attributes.Read(conversation.AttributesJson)["cidade"]);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
    }

    [Fact]
    public async Task ChatbotChannel_DeliversBotMessagesAtOnce_WithoutAProvider()
    {
        var channel = await ChannelWithEntryFlowAsync([new FlowStep(FlowStepType.Message, "Oi")], ChannelType.Chatbot);

        var id = await StartConversationAsync(channel);

        await using var db = _database.NewContext();
        var message = await db.Messages.SingleAsync(m => m.ConversationId == id && m.SenderType == SenderType.Bot);
        Assert.Equal(DeliveryStatus.Sent, message.DeliveryStatus);
    }

    private static FlowStep Menu(params MenuOption[] options) => new(FlowStepType.Menu, "Escolha uma opção:") { Options = [.. options] };

    private Task<int> ChannelWithEntryFlowAsync(params FlowStep[] steps) => ChannelWithEntryFlowAsync(steps, ChannelType.Api);

    private async Task<int> ChannelWithEntryFlowAsync(FlowStep[] steps, ChannelType type)
    {
        var flowId = await AddFlowAsync("Entrada", steps);
        await using var db = _database.NewContext();
        var channel = await db.AddChannelAsync("Canal", type);
        channel.SetFlows(flowId, null);
        await db.SaveChangesAsync();
        return channel.Id;
    }

    private async Task<int> AddFlowAsync(string name, params FlowStep[] steps)
    {
        await using var db = _database.NewContext();
        var flow = new Flow(name, TestData.Now);
        flow.ReplaceSteps(steps);
        db.Flows.Add(flow);
        await db.SaveChangesAsync();
        return flow.Id;
    }

    private async Task<string> AddAgentAsync(string name)
    {
        await using var db = _database.NewContext();
        var user = new AppUser { UserName = $"{name}@x.test", Email = $"{name}@x.test", DisplayName = name };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    /// <summary>What the inbound pipeline does for a first message: new conversation, then the entry flow, one transaction.</summary>
    private async Task<int> StartConversationAsync(int channelId, string contactName = "Cliente")
    {
        await using var db = _database.NewContext();
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
        var contact = new Contact(contactName, TestData.Now);
        var identity = contact.AddIdentity(channel.Id, Guid.NewGuid().ToString("N"));
        db.Contacts.Add(contact);
        var conversation = new Conversation(channel, identity, TestData.Now);
        conversation.RecordIncoming("Oi", TestData.Now);
        db.Conversations.Add(conversation);
        db.Messages.Add(Message.Incoming(conversation, "Oi", null, TestData.Now));
        await new FlowEngine(_clock).OnConversationStartedAsync(db, conversation, default);
        await db.SaveChangesAsync();
        return conversation.Id;
    }

    private async Task<bool> CustomerSaysAsync(int conversationId, string text, FlowEngine? engine = null)
    {
        await using var db = _database.NewContext();
        var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
        conversation.RecordIncoming(text, TestData.Now);
        db.Messages.Add(Message.Incoming(conversation, text, null, TestData.Now));
        var consumed = await (engine ?? new FlowEngine(_clock)).OnCustomerMessageAsync(db, conversation, text, default);
        await db.SaveChangesAsync();
        return consumed;
    }

    private async Task ResolveAsync(int conversationId)
    {
        await using var db = _database.NewContext();
        var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
        conversation.Resolve(TestData.Now);
        await new FlowEngine(_clock).OnConversationResolvedAsync(db, conversation, default);
        await db.SaveChangesAsync();
    }

    private async Task<Conversation> ConversationAsync(int id)
    {
        await using var db = _database.NewContext();
        return await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == id);
    }

    private async Task<List<string>> BotTextsAsync(int id)
    {
        await using var db = _database.NewContext();
        return await db.Messages.AsNoTracking().Where(m => m.ConversationId == id && m.SenderType == SenderType.Bot)
            .OrderBy(m => m.Id).Select(m => m.Content).ToListAsync();
    }

    private async Task<List<string>> ActivityAsync(int id)
    {
        await using var db = _database.NewContext();
        return await db.Messages.AsNoTracking().Where(m => m.ConversationId == id && m.Kind == MessageKind.Activity)
            .OrderBy(m => m.Id).Select(m => m.Content).ToListAsync();
    }
}
