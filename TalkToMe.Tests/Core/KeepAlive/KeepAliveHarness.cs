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

/// <summary>A real SQLite database, a fake clock and the Keep Alive engine wired as the app wires it.</summary>
public sealed class KeepAliveHarness : IAsyncDisposable
{
    private KeepAliveHarness(TestDatabase database)
    {
        Database = database;
        Engine = NewEngine();
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Clock { get; } = new(TestData.Now);
    public KeepAliveSignal Signal { get; } = new();
    public OutboxSignal Outbox { get; } = new();
    public InboxEventHub Events { get; } = new(NullLogger<InboxEventHub>.Instance);
    public KeepAliveEngine Engine { get; private set; }

    /// <summary>The real pipeline: customer and agent messages take the path they take in the app.</summary>
    public TestConversations Conversations => new(Database, Events, Clock, new FlowEngine(Clock), Outbox, Signal);
    public DateTime Now => Clock.GetUtcNow().UtcDateTime;

    public static async Task<KeepAliveHarness> CreateAsync() => new(await TestDatabase.CreateAsync());

    public static async Task<KeepAliveHarness> CreateOnPostgreSqlAsync() => new(await TestDatabase.CreatePostgreSqlAsync());

    /// <summary>Another engine on the same database, as after a restart or in a second app instance.</summary>
    public KeepAliveEngine NewEngine(KeepAliveSignal? signal = null, int batchSize = 250) =>
        new(Database.Factory, Database.Units(Events, Outbox, signal ?? Signal), new FlowEngine(Clock), signal ?? Signal, Clock,
            NullLogger<KeepAliveEngine>.Instance)
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

    /// <summary>A customer writes for the first time, through the inbound pipeline.</summary>
    public async Task<int> AddConversationAsync(int channelId, string contactName = "Cliente")
    {
        var result = await Conversations.Inbound.ReceiveAsync(new InboundMessage(channelId, contactName + Guid.NewGuid().ToString("N")[..6],
            contactName, Guid.NewGuid().ToString("N"), "Olá"));
        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        return result.ConversationId!.Value;
    }

    /// <summary>The customer writes again in the same conversation, through the inbound pipeline.</summary>
    public async Task CustomerWritesAsync(int conversationId, string text = "Estou aqui")
    {
        string externalId;
        await using (var db = Database.NewContext())
        {
            externalId = await db.Conversations.Where(c => c.Id == conversationId).Select(c => c.ContactIdentity.ExternalId).SingleAsync();
        }

        var result = await Conversations.Inbound.ReceiveAsync(new InboundMessage(0, externalId, null, Guid.NewGuid().ToString("N"), text) with
        {
            ChannelId = (await ConversationAsync(conversationId)).ChannelId,
        });
        Assert.Equal(conversationId, result.ConversationId);
    }

    /// <summary>An agent replies through the service: a pending outgoing message; Keep Alive's clock is untouched.</summary>
    /// <summary>An agent with a real account replies (a command by an agent the database does not know is refused).</summary>
    public async Task AgentRepliesAsync(int conversationId, string text = "Já verifico")
    {
        await using (var db = Database.NewContext())
        {
            if (!await db.Users.AnyAsync(u => u.Id == "agent"))
            {
                db.Users.Add(new TalkToMe.Core.Agents.AppUser { Id = "agent", UserName = "agent@talktome.local", Email = "agent@talktome.local", DisplayName = "Agente" });
                await db.SaveChangesAsync();
            }
        }

        await Conversations.Commands.ReplyAsync(conversationId, new Actor("agent", "Agente"), text);
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
