using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
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
/// The inbound pipeline has two implementations: plain SQL for messages no flow sees, EF with the flow engine otherwise.
/// The same story told to both must leave the same rows, answers and events.
/// </summary>
public sealed class InboundFastPathTests
{
    private static readonly string[] Tables = ["Contacts", "ContactIdentities", "Conversations", "Messages", "ProfileLookups"];

    [Fact]
    public async Task Receive_SameMessages_FastAndFlowPathsStoreIdenticalRows()
    {
        var fast = await RunStoryAsync(flowsInvolved: false);
        var tracked = await RunStoryAsync(flowsInvolved: true);

        Assert.True(fast.UsedFastPath, "the SQL path was not taken");
        Assert.False(tracked.UsedFastPath, "the EF path was not taken");
        Assert.Equal(tracked.Results, fast.Results);
        Assert.Equal(tracked.Events, fast.Events);
        Assert.Contains("ExternalId=c-4", Assert.Single(fast.Rows["ProfileLookups"]));
        foreach (var table in Tables)
        {
            Assert.Equal(tracked.Rows[table].Count, fast.Rows[table].Count);
            foreach (var (expected, actual) in tracked.Rows[table].Zip(fast.Rows[table]))
            {
                Assert.Equal(expected, actual);
            }
        }
    }

    [Fact]
    public async Task Receive_ConversationHeldByFlow_GoesThroughTheFlowEngine()
    {
        var flows = new SwitchableFlows { Involved = false };
        var (service, database, channelId) = await CreateAsync(flows);
        await using var _ = database;
        var first = await service.Inbound.ReceiveAsync(new InboundMessage(channelId, "c-1", "Maria", "m-1", "Oi"));
        await using (var db = database.NewContext())
        {
            var flow = new Flow("Triagem", TestData.Now);
            db.Flows.Add(flow);
            await db.SaveChangesAsync();
            var conversation = await db.Conversations.FindAsync(first.ConversationId);
            conversation!.SetFlowState(flow.Id, 0);
            await db.SaveChangesAsync();
        }

        flows.Involved = true;
        await service.Inbound.ReceiveAsync(new InboundMessage(channelId, "c-1", "Maria", "m-2", "1"));

        Assert.Equal(["1"], flows.CustomerMessages);
    }

    private static async Task<StoryResult> RunStoryAsync(bool flowsInvolved)
    {
        var time = new FakeTimeProvider(TestData.Now);
        var flows = new SwitchableFlows { Involved = flowsInvolved };
        var events = new List<InboxEvent>();
        var (service, database, channelId) = await CreateAsync(flows, time, events.Add);
        await using var _ = database;
        var results = new List<InboundResult>();

        async Task Receive(InboundMessage message)
        {
            results.Add(await service.Inbound.ReceiveAsync(message));
            time.Advance(TimeSpan.FromSeconds(7));
        }

        // A new contact with details, then more messages, a repeat and a long multi-line text.
        await Receive(new InboundMessage(channelId, "c-1", " Maria ", "m-1", "Olá", ContactEmail: "maria@x.com", ContactPhone: " +5511 "));
        await Receive(new InboundMessage(channelId, "c-1", "Maria", "m-2", "Tudo bem?"));
        await Receive(new InboundMessage(channelId, "c-1", "Maria", "m-2", "Tudo bem?"));
        await Receive(new InboundMessage(channelId, "c-1", null, null, "linha 1\nlinha 2 " + new string('x', 300)));
        // Known first by id only, then by name.
        await Receive(new InboundMessage(channelId, "c-2", null, "m-3", "Oi"));
        await Receive(new InboundMessage(channelId, "c-2", "Pedro", "m-4", "Sou o Pedro"));
        // Snoozed reopens; resolved starts a new conversation.
        var actor = new Actor(null, "Ana");
        await service.Commands.SnoozeAsync(results[0].ConversationId!.Value, actor, time.GetUtcNow().UtcDateTime.AddHours(1));
        await Receive(new InboundMessage(channelId, "c-1", "Maria", "m-5", "Voltei"));
        await service.Commands.ResolveAsync(results[4].ConversationId!.Value, actor);
        await Receive(new InboundMessage(channelId, "c-2", "Pedro", "m-6", "De novo"));
        // Threaded channels: a named thread, a named thread that does not exist, an explicit new conversation with a subject.
        await Receive(new InboundMessage(channelId, "c-3", "Bia", "m-7", "Re: pedido", ConversationId: results[0].ConversationId));
        await Receive(new InboundMessage(channelId, "c-3", "Bia", "m-8", "Outro", ConversationId: 9999));
        await Receive(new InboundMessage(channelId, "c-3", "Bia", "m-9", "Novo assunto", StartNewConversation: true,
            Subject: "Pedido\r\n 42 "));
        // Webhooks without names (Messenger, LINE): a contact known by its id alone queues one profile look-up, kept once
        // when it starts another conversation before the look-up is done; a named contact queues none.
        await Receive(new InboundMessage(channelId, "c-4", "c-4", "m-10", "Oi", LookUpProfile: true));
        await Receive(new InboundMessage(channelId, "c-4", "c-4", "m-11", "Alô?", LookUpProfile: true));
        await service.Commands.ResolveAsync(results[^1].ConversationId!.Value, actor);
        await Receive(new InboundMessage(channelId, "c-4", "c-4", "m-12", "De novo", LookUpProfile: true));
        await Receive(new InboundMessage(channelId, "c-5", "Lia", "m-13", "Oi", LookUpProfile: true));

        return new StoryResult(flows.Calls == 0, results, events.Select(e => e.ToString()).ToList(), await DumpAsync(database));
    }

    private static async Task<(TestConversations Service, TestDatabase Database, int ChannelId)> CreateAsync(
        IConversationFlows flows, FakeTimeProvider? time = null, Action<InboxEvent>? onEvent = null)
    {
        var database = await TestDatabase.CreateAsync();
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        if (onEvent is not null)
        {
            hub.Subscribe(onEvent);
        }

        var service = new TestConversations(database, hub, time ?? new FakeTimeProvider(TestData.Now), flows);
        await using var db = database.NewContext();
        var channel = await db.AddChannelAsync("API Loja");
        channel.ConfigureKeepAlive(new KeepAliveSettings
        {
            InactivityAmount = 10, InactivityUnit = TimeUnit.Minutes, InactivityMessage = "Ainda está aí?",
            FinalizationAmount = 5, FinalizationUnit = TimeUnit.Minutes, FinalizationMessage = "Até logo", IsEnabled = true,
        });
        await db.SaveChangesAsync();
        return (service, database, channel.Id);
    }

    private static async Task<Dictionary<string, List<string>>> DumpAsync(TestDatabase database)
    {
        var dump = new Dictionary<string, List<string>>();
        await using var db = database.NewContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        foreach (var table in Tables)
        {
            await using var command = connection.CreateCommand();
            var key = table == "ProfileLookups" ? "\"ChannelId\", \"ExternalId\"" : "\"Id\"";
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY {key}";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount)
                    .Select(i => $"{reader.GetName(i)}={(reader.IsDBNull(i) ? "NULL" : reader.GetValue(i))}")));
            }

            dump[table] = rows;
        }

        return dump;
    }

    private sealed record StoryResult(bool UsedFastPath, List<InboundResult> Results, List<string> Events,
        Dictionary<string, List<string>> Rows);

    /// <summary>A flow engine that either wants every message (forcing the EF path) or none, and counts its calls.</summary>
    private sealed class SwitchableFlows : IConversationFlows
    {
        public bool Involved { get; set; }
        public int Calls { get; private set; }
        public List<string> CustomerMessages { get; } = [];

        public bool RunsOnStart(Channel channel) => Involved;

        public bool RunsOnCustomerMessage(int? flowId, int? flowStepIndex) => Involved;

        public Task OnConversationStartedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.CompletedTask;
        }

        public Task<bool> OnCustomerMessageAsync(TalkToMeDbContext db, Conversation conversation, string text, CancellationToken cancellationToken)
        {
            Calls++;
            CustomerMessages.Add(text);
            return Task.FromResult(false);
        }

        public Task OnConversationResolvedAsync(TalkToMeDbContext db, Conversation conversation, CancellationToken cancellationToken) =>
            Task.CompletedTask;
    }
}
