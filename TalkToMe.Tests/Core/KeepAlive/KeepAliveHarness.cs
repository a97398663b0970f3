using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.KeepAlive;

/// <summary>A real SQLite database, a manual clock and the Keep Alive engine wired as the app wires it.</summary>
public sealed class KeepAliveHarness : IAsyncDisposable
{
    private KeepAliveHarness(SqliteTestDatabase database)
    {
        Database = database;
        Engine = NewEngine();
    }

    public SqliteTestDatabase Database { get; }
    public ManualTimeProvider Clock { get; } = new(TestData.Now);
    public KeepAliveSignal Signal { get; } = new();
    public OutboxSignal Outbox { get; } = new();
    public InboxEventHub Events { get; } = new(NullLogger<InboxEventHub>.Instance);
    public KeepAliveEngine Engine { get; private set; }
    public DateTime Now => Clock.GetUtcNow().UtcDateTime;

    public static async Task<KeepAliveHarness> CreateAsync() => new(await SqliteTestDatabase.CreateAsync());

    /// <summary>Another engine on the same database, as after a restart or in a second app instance.</summary>
    public KeepAliveEngine NewEngine(KeepAliveSignal? signal = null, int batchSize = 250) =>
        new(Database.Factory, new FlowEngine(Clock), Events, Outbox, signal ?? Signal, Clock, NullLogger<KeepAliveEngine>.Instance)
        {
            BatchSize = batchSize,
        };

    public static KeepAliveSettings Settings(int inactivityMinutes = 10, int finalizationMinutes = 5, bool enabled = true) => new()
    {
        InactivityAmount = inactivityMinutes,
        InactivityUnit = TimeUnit.Minutes,
        InactivityMessage = "Ainda está por aí?",
        FinalizationAmount = finalizationMinutes,
        FinalizationUnit = TimeUnit.Minutes,
        FinalizationMessage = "Vamos encerrar o atendimento. Até logo!",
        IsEnabled = enabled,
    };

    public async Task<int> AddChannelAsync(KeepAliveSettings settings, string name = "Canal")
    {
        await using var db = Database.NewContext();
        var channel = await db.AddChannelAsync(name);
        channel.ConfigureKeepAlive(settings);
        await db.SaveChangesAsync();
        return channel.Id;
    }

    /// <summary>A new conversation whose customer just wrote (what the inbound pipeline does).</summary>
    public async Task<int> AddConversationAsync(int channelId, string contactName = "Cliente")
    {
        await using var db = Database.NewContext();
        var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
        var conversation = await db.AddConversationAsync(channel, contactName, Now);
        KeepAliveSchedule.OnCustomerMessage(conversation, channel, Now);
        await db.SaveChangesAsync();
        return conversation.Id;
    }

    /// <summary>The customer writes again: the same steps ConversationService.ReceiveAsync takes on an existing conversation.</summary>
    public async Task CustomerWritesAsync(int conversationId, string text = "Estou aqui")
    {
        await using var db = Database.NewContext();
        var conversation = await db.Conversations.Include(c => c.Channel).SingleAsync(c => c.Id == conversationId);
        conversation.RecordIncoming(text, Now);
        db.Messages.Add(Message.Incoming(conversation, text, null, Now));
        KeepAliveSchedule.OnCustomerMessage(conversation, conversation.Channel, Now);
        await db.SaveChangesAsync();
        Signal.NotifyDueTimesChanged();
    }

    /// <summary>An agent replies: a pending outgoing message; Keep Alive's clock is untouched.</summary>
    public async Task AgentRepliesAsync(int conversationId, string text = "Já verifico")
    {
        await using var db = Database.NewContext();
        var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
        conversation.RecordOutgoing(text, Now);
        db.Messages.Add(Message.Outgoing(conversation, text, SenderType.Agent, null, "Agente", Now));
        await db.SaveChangesAsync();
    }

    public async Task ChangeChannelAsync(int channelId, Action<Channel> change)
    {
        await using (var db = Database.NewContext())
        {
            var channel = await db.Channels.SingleAsync(c => c.Id == channelId);
            change(channel);
            await db.SaveChangesAsync();
        }

        Signal.NotifyChannelChanged(channelId);
    }

    public async Task<Conversation> ConversationAsync(int id)
    {
        await using var db = Database.NewContext();
        return await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == id);
    }

    /// <summary>The texts the customer was sent (or will be, once the dispatcher runs), oldest first.</summary>
    public async Task<List<string>> SentTextsAsync(int conversationId)
    {
        await using var db = Database.NewContext();
        return await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Outgoing && m.Kind == MessageKind.Text)
            .OrderBy(m => m.Id).Select(m => m.Content).ToListAsync();
    }

    public async Task<List<string>> ActivityAsync(int conversationId)
    {
        await using var db = Database.NewContext();
        return await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Kind == MessageKind.Activity)
            .OrderBy(m => m.Id).Select(m => m.Content).ToListAsync();
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
