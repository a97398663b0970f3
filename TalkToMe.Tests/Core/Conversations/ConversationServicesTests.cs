using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

/// <summary>
/// The conversation services together on a real database, as a conversation lives through them: the inbound writer, the
/// agent's commands, starting a conversation, macros and snooze wake-ups (TestConversations wires them as the app does).
/// </summary>
public sealed class ConversationServicesTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TestData.Now);
    private readonly List<InboxEvent> _published = [];
    private TestDatabase _database = null!;
    private TestConversations _conversations = null!;
    private RecordingFlows _flows = null!;
    private OutboxSignal _outbox = null!;
    private KeepAliveSignal _keepAlive = null!;
    private Channel _channel = null!;
    private readonly Actor _ana = new("ana-id", "Ana");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        hub.Subscribe(_published.Add);
        _flows = new RecordingFlows();
        _outbox = new OutboxSignal();
        _keepAlive = new KeepAliveSignal();
        _conversations = new TestConversations(_database, hub, _time, _flows, _outbox, _keepAlive);
        await using var db = _database.NewContext();
        _channel = await db.AddChannelAsync("API Loja");
        db.Users.Add(new AppUser { Id = "ana-id", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
        db.Users.Add(new AppUser { Id = "joao-id", UserName = "joao@x", Email = "joao@x", DisplayName = "João" });
        db.Users.Add(new AppUser { Id = "off-id", UserName = "off@x", Email = "off@x", DisplayName = "Fora", IsDeactivated = true });
        db.Labels.Add(new Label("vip", "#000"));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private InboundMessage Inbound(string text = "Oi", string? id = null, string contact = "c-1", int? channelId = null) =>
        new(channelId ?? _channel.Id, contact, "Maria", id, text);

    private async Task<int> ReceiveNewAsync(string contact = "c-1")
    {
        var result = await _conversations.Inbound.ReceiveAsync(Inbound(contact: contact));
        return result.ConversationId!.Value;
    }

    private async Task<List<Message>> ThreadAsync(int conversationId)
    {
        await using var db = _database.NewContext();
        return await db.Messages.Where(m => m.ConversationId == conversationId).OrderBy(m => m.Id).ToListAsync();
    }

    private async Task<Conversation> ConversationAsync(int id)
    {
        await using var db = _database.NewContext();
        return await db.Conversations.Include(c => c.Labels).SingleAsync(c => c.Id == id);
    }

    private async Task SetChannelAsync(Action<Channel> change)
    {
        await using var db = _database.NewContext();
        var channel = await db.Channels.SingleAsync(c => c.Id == _channel.Id);
        change(channel);
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Reply_OnWhatsAppAfter24HoursWithoutCustomerMessage_IsRefusedNamingTheWindow_ButANoteIsNot()
    {
        await using (var db = _database.NewContext())
        {
            var whatsApp = await db.AddChannelAsync("WhatsApp Vendas", ChannelType.WhatsApp);
            _channel = whatsApp;
        }

        var id = await ReceiveNewAsync("5511999990000");
        await _conversations.Commands.ReplyAsync(id, _ana, "Dentro da janela");
        _time.Advance(TimeSpan.FromHours(25));

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.ReplyAsync(id, _ana, "Fora da janela"));
        await _conversations.Commands.AddNoteAsync(id, _ana, "Nota ainda pode");

        Assert.Equal(ReplyWindow.ClosedMessage, refused.Message);
        var thread = await ThreadAsync(id);
        Assert.DoesNotContain(thread, m => m.Content == "Fora da janela");
        Assert.Contains(thread, m => m.Content == "Nota ainda pode");
    }

    [Fact]
    public async Task Receive_NewContact_CreatesContactConversationAndMessageAndRunsEntryFlow()
    {
        var result = await _conversations.Inbound.ReceiveAsync(Inbound("Olá, preciso de ajuda", "ext-1"));

        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        Assert.True(result.StartedConversation);
        var conversation = await ConversationAsync(result.ConversationId!.Value);
        Assert.Equal(1, conversation.UnreadCount);
        Assert.Equal("Olá, preciso de ajuda", conversation.LastMessagePreview);
        var message = Assert.Single(await ThreadAsync(conversation.Id));
        Assert.Equal(result.MessageId, message.Id);
        Assert.Equal("Maria", message.SenderName);
        Assert.Equal([conversation.Id], _flows.Started);
        Assert.Contains(_published, e => e is MessageAdded m && m.MessageId == message.Id);
        Assert.Contains(_published, e => e is ConversationChanged c && c.ConversationId == conversation.Id);
    }

    [Fact]
    public async Task Receive_SecondMessage_ContinuesConversationAndCallsFlowHook()
    {
        var first = await _conversations.Inbound.ReceiveAsync(Inbound("Um"));
        var second = await _conversations.Inbound.ReceiveAsync(Inbound("Dois"));

        Assert.Equal(first.ConversationId, second.ConversationId);
        Assert.False(second.StartedConversation);
        Assert.Equal(["Dois"], _flows.CustomerMessages);
        Assert.Equal(2, (await ConversationAsync(first.ConversationId!.Value)).UnreadCount);
    }

    [Fact]
    public async Task Receive_DuplicateExternalId_ReturnsSameIdsAndStoresNothing()
    {
        var first = await _conversations.Inbound.ReceiveAsync(Inbound("Um", "ext-9"));
        _published.Clear();

        var again = await _conversations.Inbound.ReceiveAsync(Inbound("Um", "ext-9"));

        Assert.Equal(InboundOutcome.Duplicate, again.Outcome);
        Assert.Equal(first.ConversationId, again.ConversationId);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Single(await ThreadAsync(first.ConversationId!.Value));
        Assert.Empty(_published);
    }

    [Fact]
    public async Task Receive_ConcurrentDuplicates_StoreOneMessage()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _conversations.Inbound.ReceiveAsync(Inbound("Um", "same")))));

        Assert.Single(results, r => r.Outcome == InboundOutcome.Accepted);
        Assert.All(results, r => Assert.Equal(results[0].MessageId, r.MessageId));
        await using var db = _database.NewContext();
        Assert.Equal(1, await db.Messages.CountAsync());
    }

    [Fact]
    public async Task Receive_WhenChannelInactive_RejectsAndStoresNothing()
    {
        await SetChannelAsync(c => c.SetSwitches(isActive: false, allowsActiveContact: false));

        var result = await _conversations.Inbound.ReceiveAsync(Inbound("Oi", "x"));

        Assert.Equal(InboundOutcome.ChannelInactive, result.Outcome);
        await using var db = _database.NewContext();
        Assert.Equal(0, await db.Messages.CountAsync());
        Assert.Equal(0, await db.Contacts.CountAsync());
        Assert.Empty(_published);
    }

    [Fact]
    public async Task Receive_WhenChannelDeletedOrMissing_ReturnsNotFoundAndStoresNothing()
    {
        Assert.Equal(InboundOutcome.ChannelNotFound, (await _conversations.Inbound.ReceiveAsync(Inbound(channelId: 999))).Outcome);
        await SetChannelAsync(c => c.Delete(TestData.Now));
        Assert.Equal(InboundOutcome.ChannelNotFound, (await _conversations.Inbound.ReceiveAsync(Inbound())).Outcome);
        await using var db = _database.NewContext();
        Assert.Equal(0, await db.Messages.CountAsync());
    }

    [Fact]
    public async Task Receive_EmptyText_IsRefused()
    {
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Inbound.ReceiveAsync(Inbound("  ")));
    }

    [Fact]
    public async Task Receive_AfterResolve_StartsNewConversation()
    {
        var id = await ReceiveNewAsync();
        await _conversations.Commands.ResolveAsync(id, _ana);

        var next = await _conversations.Inbound.ReceiveAsync(Inbound("De novo"));

        Assert.NotEqual(id, next.ConversationId);
        Assert.True(next.StartedConversation);
    }

    [Fact]
    public async Task Receive_WhileSnoozed_ReopensConversation()
    {
        var id = await ReceiveNewAsync();
        await _conversations.Commands.SnoozeAsync(id, _ana, TestData.Now.AddHours(2));

        var next = await _conversations.Inbound.ReceiveAsync(Inbound("Voltei"));

        Assert.Equal(id, next.ConversationId);
        var conversation = await ConversationAsync(id);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Null(conversation.SnoozedUntil);
    }

    [Fact]
    public async Task Receive_WithKeepAliveActivated_SchedulesDueTimeAndWakesEngine()
    {
        await SetChannelAsync(c => c.ConfigureKeepAlive(new KeepAliveSettings
        {
            InactivityAmount = 5, FinalizationAmount = 5, IsEnabled = true,
        }));

        var id = await ReceiveNewAsync();

        Assert.Equal(TestData.Now.AddMinutes(5), (await ConversationAsync(id)).KeepAliveDueAt);
        Assert.True(await _keepAlive.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Reply_StoresPendingOutgoingAndWakesDispatcher()
    {
        var id = await ReceiveNewAsync();
        _published.Clear();

        var reply = await _conversations.Commands.ReplyAsync(id, _ana, "Já vou verificar");

        Assert.Equal(DeliveryStatus.Pending, reply.DeliveryStatus);
        Assert.NotNull(reply.DeliveryId);
        var stored = (await ThreadAsync(id)).Last();
        Assert.Equal((MessageDirection.Outgoing, MessageKind.Text, "Ana"), (stored.Direction, stored.Kind, stored.SenderName));
        Assert.Equal("Já vou verificar", (await ConversationAsync(id)).LastMessagePreview);
        Assert.True(await _outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Contains(_published, e => e is MessageAdded m && m.MessageId == reply.Id);
    }

    [Fact]
    public async Task Reply_EmptyTextOrUnknownConversation_IsRefused()
    {
        var id = await ReceiveNewAsync();
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.ReplyAsync(id, _ana, " "));
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.ReplyAsync(12345, _ana, "Oi"));
        Assert.Single(await ThreadAsync(id));
    }

    [Fact]
    public async Task Reply_WhenChannelInactive_IsRefused()
    {
        var id = await ReceiveNewAsync();
        await SetChannelAsync(c => c.SetSwitches(false, false));

        var error = await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.ReplyAsync(id, _ana, "Oi"));

        Assert.Contains("não está ativo", error.Message);
    }

    [Fact]
    public async Task AddNote_StoresPrivateNoteThatIsNeverPending()
    {
        var id = await ReceiveNewAsync();

        var note = await _conversations.Commands.AddNoteAsync(id, _ana, "Cliente VIP");

        Assert.Equal(MessageKind.PrivateNote, note.Kind);
        Assert.Equal(DeliveryStatus.None, note.DeliveryStatus);
        Assert.False(await _outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal("Oi", (await ConversationAsync(id)).LastMessagePreview);
    }

    [Fact]
    public async Task Assign_LeavesActivityLineAndRefusesUnknownOrDeactivatedAgents()
    {
        var id = await ReceiveNewAsync();

        await _conversations.Commands.AssignAsync(id, new Actor("joao-id", "João"), "ana-id");
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.AssignAsync(id, _ana, "nobody"));
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.AssignAsync(id, _ana, "off-id"));
        await _conversations.Commands.AssignAsync(id, _ana, null);

        Assert.Null((await ConversationAsync(id)).AssigneeId);
        Assert.Equal(["Atribuída a Ana por João", "Atribuição removida por Ana"], await ActivitiesAsync(id));
        // Stored as data too, so each reader gets the line in their language.
        Assert.Equal(
            [new ActivityData(ActivityKind.Assigned) { Actor = "João", Assignee = "Ana" }, new ActivityData(ActivityKind.Unassigned) { Actor = "Ana" }],
            await ActivityDataAsync(id));
        Assert.Contains(_published, e => e is ConversationChanged { AssigneeId: "ana-id" });
    }

    [Fact]
    public async Task Resolve_ThenReopen_LeavesActivityLinesAndRunsExitFlow()
    {
        var id = await ReceiveNewAsync();

        await _conversations.Commands.ResolveAsync(id, _ana);
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.ResolveAsync(id, _ana));
        Assert.Equal(ConversationStatus.Resolved, (await ConversationAsync(id)).Status);
        Assert.Equal([id], _flows.Resolved);
        await _conversations.Commands.ReopenAsync(id, _ana);

        Assert.Equal(ConversationStatus.Open, (await ConversationAsync(id)).Status);
        Assert.Equal(["Conversa resolvida por Ana", "Conversa reaberta por Ana"], await ActivitiesAsync(id));
        // Hub clients get the data with the event, to render the line in their own language.
        Assert.Contains(_published, e => e is MessageAdded { Activity: { Kind: ActivityKind.Resolved, Actor: "Ana" } });
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.ReopenAsync(id, _ana));
    }

    [Fact]
    public async Task Snooze_InThePastIsRefused_FutureShowsBrasiliaTime()
    {
        var id = await ReceiveNewAsync();
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.SnoozeAsync(id, _ana, TestData.Now.AddMinutes(-1)));

        await _conversations.Commands.SnoozeAsync(id, _ana, new DateTime(2026, 11, 22, 17, 0, 0, DateTimeKind.Utc));

        var conversation = await ConversationAsync(id);
        Assert.Equal(ConversationStatus.Snoozed, conversation.Status);
        Assert.Equal(["Adiada até 22/11 14:00 por Ana"], await ActivitiesAsync(id));
        // The time is kept in UTC; the reader's UI shows it in their time zone.
        var snoozed = Assert.Single(await ActivityDataAsync(id));
        Assert.Equal(new ActivityData(ActivityKind.Snoozed) { Actor = "Ana", Until = new DateTime(2026, 11, 22, 17, 0, 0, DateTimeKind.Utc) }, snoozed);
        Assert.Equal(DateTimeKind.Utc, snoozed!.Until!.Value.Kind);
    }

    [Fact]
    public async Task WakeSnoozed_ReopensOnlyDueConversations()
    {
        var due = await ReceiveNewAsync("a");
        var later = await ReceiveNewAsync("b");
        await _conversations.Commands.SnoozeAsync(due, _ana, TestData.Now.AddMinutes(10));
        await _conversations.Commands.SnoozeAsync(later, _ana, TestData.Now.AddHours(10));
        _time.Advance(TimeSpan.FromMinutes(11));

        Assert.Equal(1, await _conversations.Snoozes.WakeDueAsync());

        Assert.Equal(ConversationStatus.Open, (await ConversationAsync(due)).Status);
        Assert.Equal(ConversationStatus.Snoozed, (await ConversationAsync(later)).Status);
        Assert.Equal(TestData.Now.AddHours(10), await _conversations.Snoozes.NextEndAsync());
        Assert.Contains("Conversa reaberta: fim do adiamento", await ActivitiesAsync(due));
        Assert.Contains(new ActivityData(ActivityKind.SnoozeEnded), await ActivityDataAsync(due));
    }

    [Fact]
    public async Task SetPriority_AndLabels_LeaveActivityLines()
    {
        var id = await ReceiveNewAsync();
        int labelId;
        await using (var db = _database.NewContext())
        {
            labelId = (await db.Labels.SingleAsync()).Id;
        }

        await _conversations.Commands.SetPriorityAsync(id, _ana, ConversationPriority.High);
        await _conversations.Commands.AddLabelAsync(id, _ana, labelId);
        await _conversations.Commands.AddLabelAsync(id, _ana, labelId);
        Assert.Single((await ConversationAsync(id)).Labels);
        await _conversations.Commands.RemoveLabelAsync(id, _ana, labelId);
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.AddLabelAsync(id, _ana, 999));

        Assert.Equal(ConversationPriority.High, (await ConversationAsync(id)).Priority);
        Assert.Empty((await ConversationAsync(id)).Labels);
        Assert.Equal(["Prioridade alterada para Alta por Ana", "Etiqueta vip adicionada por Ana", "Etiqueta vip removida por Ana"],
            await ActivitiesAsync(id));
        Assert.Equal(
        [
            new ActivityData(ActivityKind.PriorityChanged) { Actor = "Ana", Priority = ConversationPriority.High },
            new ActivityData(ActivityKind.LabelAdded) { Actor = "Ana", Label = "vip" },
            new ActivityData(ActivityKind.LabelRemoved) { Actor = "Ana", Label = "vip" },
        ], await ActivityDataAsync(id));
    }

    [Fact]
    public async Task MarkReadAndUnread_ChangeUnreadCount()
    {
        var id = await ReceiveNewAsync();
        await _conversations.Inbound.ReceiveAsync(Inbound("Mais"));

        await _conversations.Commands.MarkReadAsync(id, _ana);
        Assert.Equal(0, (await ConversationAsync(id)).UnreadCount);
        await _conversations.Commands.MarkUnreadAsync(id, _ana);
        Assert.Equal(1, (await ConversationAsync(id)).UnreadCount);
    }

    [Fact]
    public async Task Retry_RequeuesOnlyFailedOutgoingMessages()
    {
        var id = await ReceiveNewAsync();
        var reply = await _conversations.Commands.ReplyAsync(id, _ana, "Oi");
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.RetryAsync(reply.Id, _ana));
        await using (var db = _database.NewContext())
        {
            var stored = await db.Messages.SingleAsync(m => m.Id == reply.Id);
            stored.MarkAttemptFailed("HTTP 500", null);
            await db.SaveChangesAsync();
        }

        _published.Clear();
        await _conversations.Commands.RetryAsync(reply.Id, _ana);

        var retried = (await ThreadAsync(id)).Single(m => m.Id == reply.Id);
        Assert.Equal(DeliveryStatus.Pending, retried.DeliveryStatus);
        Assert.Null(retried.FailureReason);
        Assert.Contains(_published, e => e is MessageUpdated u && u.MessageId == reply.Id);
        var note = await _conversations.Commands.AddNoteAsync(id, _ana, "nota");
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Commands.RetryAsync(note.Id, _ana));
    }

    [Fact]
    public async Task Start_ThroughChannelWithoutContatoAtivo_IsRefused()
    {
        var error = await Assert.ThrowsAsync<ConversationRuleException>(
            () => _conversations.Starter.StartAsync(_ana, _channel.Id, null, "+5511999990000", "Novo", "Olá"));

        Assert.Contains("Contato ativo", error.Message);
        await using var db = _database.NewContext();
        Assert.Equal(0, await db.Conversations.CountAsync());
    }

    [Fact]
    public async Task Start_ThroughInactiveChannel_IsRefused()
    {
        await SetChannelAsync(c => c.SetSwitches(false, true));

        await Assert.ThrowsAsync<ConversationRuleException>(
            () => _conversations.Starter.StartAsync(_ana, _channel.Id, null, "+5511999990000", "Novo", "Olá"));
    }

    [Fact]
    public async Task Start_ThroughContatoAtivoChannel_CreatesConversationWithPendingFirstMessage()
    {
        await SetChannelAsync(c => c.SetSwitches(true, true));

        var id = await _conversations.Starter.StartAsync(_ana, _channel.Id, null, "+5511999990000", "Novo cliente", "Olá, tudo bem?");

        var conversation = await ConversationAsync(id);
        Assert.Equal("ana-id", conversation.AssigneeId);
        var thread = await ThreadAsync(id);
        Assert.Equal("Conversa iniciada por Ana", thread[0].Content);
        Assert.Equal((DeliveryStatus.Pending, "Olá, tudo bem?"), (thread[1].DeliveryStatus, thread[1].Content));
        Assert.Empty(_flows.Started);

        // The same identity again continues the open conversation, and an existing contact needs an identity on the channel.
        Assert.Equal(id, await _conversations.Starter.StartAsync(_ana, _channel.Id, null, "+5511999990000", null, "Outra"));
        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Starter.StartAsync(_ana, _channel.Id, 9999, null, null, "Oi"));
    }

    [Fact]
    public async Task RunMacro_AppliesEveryStepInOneTransactionWithActivityLines()
    {
        var id = await ReceiveNewAsync();
        var macroId = await AddMacroAsync("Encerrar VIP",
            new MacroAction(MacroActionType.AddLabel, "vip"),
            new MacroAction(MacroActionType.ChangePriority, "Urgent"),
            new MacroAction(MacroActionType.AddPrivateNote, "Cliente importante"),
            new MacroAction(MacroActionType.SendMessage, "Obrigado pelo contato!"),
            new MacroAction(MacroActionType.Assign, "joao-id"),
            new MacroAction(MacroActionType.Resolve, null));

        await _conversations.Macros.RunAsync(id, _ana, macroId);

        var conversation = await ConversationAsync(id);
        Assert.Equal(ConversationStatus.Resolved, conversation.Status);
        Assert.Equal(ConversationPriority.Urgent, conversation.Priority);
        Assert.Equal("joao-id", conversation.AssigneeId);
        Assert.Single(conversation.Labels);
        var thread = await ThreadAsync(id);
        Assert.Contains(thread, m => m.Kind == MessageKind.PrivateNote && m.Content == "Cliente importante");
        Assert.Contains(thread, m => m.DeliveryStatus == DeliveryStatus.Pending && m.Content == "Obrigado pelo contato!");
        Assert.Equal(
        [
            "Etiqueta vip adicionada por Ana (macro Encerrar VIP)",
            "Prioridade alterada para Urgente por Ana (macro Encerrar VIP)",
            "Nota privada adicionada por Ana (macro Encerrar VIP)",
            "Mensagem enviada por Ana (macro Encerrar VIP)",
            "Atribuída a João por Ana (macro Encerrar VIP)",
            "Conversa resolvida por Ana (macro Encerrar VIP)",
        ], await ActivitiesAsync(id));
    }

    [Fact]
    public async Task RunMacro_WhenAStepFails_AppliesNothing()
    {
        var id = await ReceiveNewAsync();
        var macroId = await AddMacroAsync("Quebrada",
            new MacroAction(MacroActionType.AddLabel, "vip"),
            new MacroAction(MacroActionType.SendMessage, "Mensagem"),
            new MacroAction(MacroActionType.Assign, "ninguem"));
        _published.Clear();

        await Assert.ThrowsAsync<ConversationRuleException>(() => _conversations.Macros.RunAsync(id, _ana, macroId));

        Assert.Empty((await ConversationAsync(id)).Labels);
        Assert.Single(await ThreadAsync(id));
        Assert.Empty(_published);
        Assert.False(await _outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    private async Task<int> AddMacroAsync(string name, params MacroAction[] actions)
    {
        await using var db = _database.NewContext();
        var macro = new Macro(name, actions);
        db.Macros.Add(macro);
        await db.SaveChangesAsync();
        return macro.Id;
    }

    private async Task<List<ActivityData?>> ActivityDataAsync(int conversationId) =>
        (await ThreadAsync(conversationId)).Where(m => m.Kind == MessageKind.Activity).Select(m => m.ActivityData).ToList();

    private async Task<List<string>> ActivitiesAsync(int conversationId) =>
        (await ThreadAsync(conversationId)).Where(m => m.Kind == MessageKind.Activity).Select(m => m.Content).ToList();

    private sealed class RecordingFlows : IConversationFlows
    {
        public List<int> Started { get; } = [];
        public List<string> CustomerMessages { get; } = [];
        public List<int> Resolved { get; } = [];

        // Wants every message, so these tests see every hook call (the EF path; InboundFastPathTests covers the other).
        public bool RunsOnStart(Channel channel) => true;

        public bool RunsOnCustomerMessage(int? flowId, int? flowStepIndex) => true;

        public Task OnConversationStartedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken)
        {
            Started.Add(conversation.Id);
            return Task.CompletedTask;
        }

        public Task<bool> OnCustomerMessageAsync(TalkToMeDbContext db, Conversation conversation, string text, CancellationToken cancellationToken)
        {
            CustomerMessages.Add(text);
            return Task.FromResult(false);
        }

        public Task OnConversationResolvedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken)
        {
            Resolved.Add(conversation.Id);
            return Task.CompletedTask;
        }
    }
}
