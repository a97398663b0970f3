using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.KeepAlive;

public class KeepAliveEngineTests
{
    private const string Inactivity = "Ainda está por aí?";
    private const string Finalization = "Vamos encerrar o atendimento. Até logo!";

    [Fact]
    public async Task RunPass_WhenInactivityTimeoutPasses_SendsInactivityMessageOnceAndWaitsForFinalization()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var id = await h.AddConversationAsync(channel);

        h.Clock.Advance(TimeSpan.FromMinutes(9));
        var early = await h.Engine.RunPassAsync();
        Assert.Equal(0, early.Sent);
        Assert.Equal(TestData.Now.AddMinutes(10), early.NextDueAt);
        Assert.Empty(await h.SentTextsAsync(id));

        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var events = new List<InboxEvent>();
        using var _ = h.Events.Subscribe(events.Add);
        var pass = await h.Engine.RunPassAsync();
        await h.Engine.RunPassAsync();

        Assert.Equal(1, pass.Sent);
        // The loop sleeps until the finalization deadline it just scheduled, not longer.
        Assert.Equal(h.Now.AddMinutes(5), pass.NextDueAt);
        Assert.False(pass.MoreDue);
        Assert.Equal([Inactivity], await h.SentTextsAsync(id));
        Assert.Equal([KeepAliveEngine.InactivitySentActivity], await h.ActivityAsync(id));
        var conversation = await h.ConversationAsync(id);
        Assert.Equal(KeepAliveStage.AwaitingFinalization, conversation.KeepAliveStage);
        Assert.Equal(h.Now.AddMinutes(5), conversation.KeepAliveDueAt);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Contains(events, e => e is MessageAdded);

        // It goes through the outbound pipeline: pending for the dispatcher, sent by Keep Alive.
        await using var db = h.Database.NewContext();
        var message = await db.Messages.SingleAsync(m => m.ConversationId == id && m.Kind == MessageKind.Text && m.Direction == MessageDirection.Outgoing);
        Assert.Equal(DeliveryStatus.Pending, message.DeliveryStatus);
        Assert.Equal(SenderType.System, message.SenderType);
    }

    [Fact]
    public async Task InactivityRows_WrittenInBatches_AreStoredExactlyAsEfStoresABotMessage()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var id = await h.AddConversationAsync(channel);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, (await h.Engine.RunPassAsync()).Sent);
        var afterEngine = await h.ConversationAsync(id);

        // The same two rows through EF, as the flow engine and the finalization stage store them.
        await using (var db = h.Database.NewContext())
        {
            var conversation = await db.Conversations.SingleAsync(c => c.Id == id);
            var entity = await db.Channels.SingleAsync(c => c.Id == channel);
            BotMessages.Send(db, conversation, entity, Inactivity, SenderType.System, BotMessages.KeepAliveName, h.Now);
            BotMessages.Activity(db, conversation, ActivityText.KeepAliveInactivitySent, h.Now);
            await db.SaveChangesAsync();
        }

        var rows = await RawRowsAsync(h, id);
        var (engineText, engineActivity, efText, efActivity) = (rows[^4], rows[^3], rows[^2], rows[^1]);
        Assert.Equal(efText.Without("Id", "DeliveryId"), engineText.Without("Id", "DeliveryId"));
        Assert.Equal(efActivity.Without("Id", "DeliveryId"), engineActivity.Without("Id", "DeliveryId"));
        // The delivery id is stored in EF's format (upper-case Guid text on SQLite, uuid on PostgreSQL), so the
        // dispatcher reads it back.
        Assert.Equal(efText["DeliveryId"]!.GetType(), engineText["DeliveryId"]!.GetType());
        var deliveryId = engineText["DeliveryId"]!.ToString()!;
        if (h.Database.Provider == DatabaseProvider.Sqlite)
        {
            Assert.Equal(deliveryId.ToUpperInvariant(), deliveryId);
        }

        Assert.Equal(DBNull.Value, engineActivity["DeliveryId"]);
        await using (var db = h.Database.NewContext())
        {
            var message = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == (long)engineText["Id"]!);
            Assert.Equal(Guid.Parse(deliveryId), message.DeliveryId);
            Assert.Equal(h.Now, message.NextAttemptAt);
        }

        // The conversation shows the message as its preview and last activity, as RecordOutgoing does.
        Assert.Equal(Inactivity, afterEngine.LastMessagePreview);
        Assert.Equal(h.Now, afterEngine.LastActivityAt);
    }

    [Fact]
    public async Task FinalizationRows_WithoutExitFlow_LeaveTheConversationAsResolvingThroughEfDoes()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var byEngine = await h.AddConversationAsync(channel, "Motor");
        var byEf = await h.AddConversationAsync(channel, "Referencia");
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(2, (await h.Engine.RunPassAsync()).Sent);
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        // The reference: what the EF path does (finalization message, activity line, resolve, exit-flow hook with no flow).
        await using (var db = h.Database.NewContext())
        {
            var conversation = await db.Conversations.SingleAsync(c => c.Id == byEf);
            var entity = await db.Channels.SingleAsync(c => c.Id == channel);
            BotMessages.Send(db, conversation, entity, Finalization, SenderType.System, BotMessages.KeepAliveName, h.Now);
            BotMessages.Activity(db, conversation, ActivityText.KeepAliveClosed, h.Now);
            conversation.Resolve(h.Now);
            await new FlowEngine(h.Clock).OnConversationResolvedAsync(db, conversation, CancellationToken.None);
            await db.SaveChangesAsync();
        }

        var events = new List<InboxEvent>();
        using var _ = h.Events.Subscribe(events.Add);
        Assert.Equal(1, (await h.Engine.RunPassAsync()).Sent);

        var engineRow = (await RawRowsAsync(h, "Conversations", byEngine)).Single();
        var efRow = (await RawRowsAsync(h, "Conversations", byEf)).Single();
        Assert.Equal(efRow.Without("Id", "ContactId", "ContactIdentityId"), engineRow.Without("Id", "ContactId", "ContactIdentityId"));
        Assert.Equal(ConversationStatus.Resolved, (await h.ConversationAsync(byEngine)).Status);
        Assert.Contains(events, e => e is ConversationChanged { Status: ConversationStatus.Resolved } c && c.ConversationId == byEngine);
        var engineMessages = await RawRowsAsync(h, "Messages", byEngine);
        var efMessages = await RawRowsAsync(h, "Messages", byEf);
        Assert.Equal(efMessages[^2].Without("Id", "ConversationId", "DeliveryId"), engineMessages[^2].Without("Id", "ConversationId", "DeliveryId"));
        Assert.Equal(efMessages[^1].Without("Id", "ConversationId"), engineMessages[^1].Without("Id", "ConversationId"));
    }

    private static async Task<List<Dictionary<string, object?>>> RawRowsAsync(KeepAliveHarness h, int conversationId) =>
        await RawRowsAsync(h, "Messages", conversationId);

    /// <summary>Rows as SQLite stores them (no EF mapping in between): Messages of a conversation, or the conversation itself.</summary>
    private static async Task<List<Dictionary<string, object?>>> RawRowsAsync(KeepAliveHarness h, string table, int conversationId)
    {
        await using var db = h.Database.NewContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        var key = table == "Conversations" ? "Id" : "ConversationId";
        command.CommandText = $"SELECT * FROM \"{table}\" WHERE \"{key}\" = {conversationId} ORDER BY \"Id\"";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => (object?)reader.GetValue(i)));
        }

        return rows;
    }

    [Fact]
    public async Task RunPass_WhenFinalizationTimeoutPasses_SendsFinalizationResolvesAndRunsExitFlow()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        await using (var db = h.Database.NewContext())
        {
            var flow = new Flow("Pesquisa", TestData.Now);
            flow.ReplaceSteps([new FlowStep(FlowStepType.Question, "De 1 a 5, como foi o atendimento?") { AnswerKey = "nota" }]);
            db.Flows.Add(flow);
            await db.SaveChangesAsync();
            (await db.Channels.SingleAsync(c => c.Id == channel)).SetFlows(null, flow.Id);
            await db.SaveChangesAsync();
        }

        var id = await h.AddConversationAsync(channel);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        await h.Engine.RunPassAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, (await h.Engine.RunPassAsync()).Sent);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var events = new List<InboxEvent>();
        using var _ = h.Events.Subscribe(events.Add);
        var pass = await h.Engine.RunPassAsync();

        Assert.Equal(1, pass.Sent);
        Assert.Null(pass.NextDueAt);
        Assert.Equal([Inactivity, Finalization, "De 1 a 5, como foi o atendimento?"], await h.SentTextsAsync(id));
        Assert.Contains(KeepAliveEngine.ClosedActivity, await h.ActivityAsync(id));
        var conversation = await h.ConversationAsync(id);
        Assert.Equal(ConversationStatus.Resolved, conversation.Status);
        Assert.Equal(h.Now, conversation.ResolvedAt);
        Assert.Equal(KeepAliveStage.None, conversation.KeepAliveStage);
        Assert.Null(conversation.KeepAliveDueAt);
        Assert.Contains(events, e => e is ConversationChanged { Status: ConversationStatus.Resolved } c && c.ConversationId == id);

        h.Clock.Advance(TimeSpan.FromDays(1));
        await h.Engine.RunPassAsync();
        Assert.Equal(3, (await h.SentTextsAsync(id)).Count);
    }

    [Fact]
    public async Task CustomerReply_AfterInactivityMessage_RestartsFromTheBeginning()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var id = await h.AddConversationAsync(channel);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        await h.Engine.RunPassAsync();

        h.Clock.Advance(TimeSpan.FromMinutes(3));
        await h.CustomerWritesAsync(id);
        var replyAt = h.Now;
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        await h.Engine.RunPassAsync();

        var conversation = await h.ConversationAsync(id);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Equal(KeepAliveStage.AwaitingInactivity, conversation.KeepAliveStage);
        Assert.Equal(replyAt.AddMinutes(10), conversation.KeepAliveDueAt);
        Assert.Equal([Inactivity], await h.SentTextsAsync(id));

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        await h.Engine.RunPassAsync();
        Assert.Equal([Inactivity, Inactivity], await h.SentTextsAsync(id));
    }

    [Fact]
    public async Task AgentReply_DoesNotRestartTheInactivityClock()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var id = await h.AddConversationAsync(channel);

        h.Clock.Advance(TimeSpan.FromMinutes(8));
        await h.AgentRepliesAsync(id);
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        await h.Engine.RunPassAsync();

        Assert.Equal(["Já verifico", Inactivity], await h.SentTextsAsync(id));
    }

    [Fact]
    public async Task SaveWithoutActivate_SendsNothing()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(enabled: false));
        var id = await h.AddConversationAsync(channel);
        await h.ChangeChannelAsync(channel, c => c.ConfigureKeepAlive(KeepAliveHarness.Settings(inactivityMinutes: 1, enabled: false)));

        h.Clock.Advance(TimeSpan.FromDays(2));
        var pass = await h.Engine.RunPassAsync();

        Assert.Null(pass.NextDueAt);
        Assert.Empty(await h.SentTextsAsync(id));
        Assert.Null((await h.ConversationAsync(id)).KeepAliveDueAt);
    }

    [Fact]
    public async Task Deactivate_MidWay_SendsNothingMore()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var id = await h.AddConversationAsync(channel);
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        await h.Engine.RunPassAsync();

        await h.ChangeChannelAsync(channel, c => c.ConfigureKeepAlive(c.KeepAlive with { IsEnabled = false }));
        var pass = await h.Engine.RunPassAsync();
        h.Clock.Advance(TimeSpan.FromHours(1));
        await h.Engine.RunPassAsync();

        Assert.Equal(1, pass.Recomputed);
        Assert.Equal([Inactivity], await h.SentTextsAsync(id));
        var conversation = await h.ConversationAsync(id);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Null(conversation.KeepAliveDueAt);
    }

    [Fact]
    public async Task ChannelSwitchedOff_ClearsDeadlines_AndSwitchedOnAgain_Reschedules()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10));
        var id = await h.AddConversationAsync(channel);

        await h.ChangeChannelAsync(channel, c => c.SetSwitches(isActive: false, allowsActiveContact: false));
        await h.Engine.RunPassAsync();
        Assert.Null((await h.ConversationAsync(id)).KeepAliveDueAt);

        await h.ChangeChannelAsync(channel, c => c.SetSwitches(isActive: true, allowsActiveContact: false));
        await h.Engine.RunPassAsync();
        Assert.Equal(TestData.Now.AddMinutes(10), (await h.ConversationAsync(id)).KeepAliveDueAt);
    }

    [Fact]
    public async Task SettingsChange_RecomputesDeadlinesAtOnce()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 30));
        var waiting = await h.AddConversationAsync(channel, "Esperando");
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var finishing = await h.AddConversationAsync(channel, "Terminando");
        // Make "Esperando" the one that already got its inactivity message.
        h.Clock.Advance(TimeSpan.FromMinutes(9));
        await h.Engine.RunPassAsync();
        var inactivitySentAt = h.Now;
        Assert.Equal(KeepAliveStage.AwaitingFinalization, (await h.ConversationAsync(waiting)).KeepAliveStage);
        Assert.Equal(KeepAliveStage.AwaitingInactivity, (await h.ConversationAsync(finishing)).KeepAliveStage);

        await h.ChangeChannelAsync(channel, c => c.ConfigureKeepAlive(KeepAliveHarness.Settings(inactivityMinutes: 3, finalizationMinutes: 2)));
        var pass = await h.Engine.RunPassAsync();

        Assert.Equal(2, pass.Recomputed);
        // The customer of "Terminando" wrote 9 minutes ago: with 3 minutes it was already due, so it went out in this pass.
        Assert.Equal([Inactivity], await h.SentTextsAsync(finishing));
        Assert.Equal(inactivitySentAt.AddMinutes(2), (await h.ConversationAsync(waiting)).KeepAliveDueAt);
    }

    [Fact]
    public async Task SnoozedOrResolvedConversation_HasNoKeepAlive()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10));
        var snoozed = await h.AddConversationAsync(channel, "Adiada");
        var resolved = await h.AddConversationAsync(channel, "Resolvida");
        await using (var db = h.Database.NewContext())
        {
            (await db.Conversations.SingleAsync(c => c.Id == snoozed)).Snooze(h.Now.AddDays(1));
            (await db.Conversations.SingleAsync(c => c.Id == resolved)).Resolve(h.Now);
            await db.SaveChangesAsync();
        }

        await h.ChangeChannelAsync(channel, c => c.ConfigureKeepAlive(KeepAliveHarness.Settings(inactivityMinutes: 1)));
        h.Clock.Advance(TimeSpan.FromHours(1));
        var pass = await h.Engine.RunPassAsync();

        Assert.Equal(0, pass.Sent);
        Assert.Empty(await h.SentTextsAsync(snoozed));
        Assert.Empty(await h.SentTextsAsync(resolved));
    }

    [Fact]
    public async Task Restart_AfterMissedDeadlines_SendsEachOnceInDeadlineOrder()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var first = await h.AddConversationAsync(channel, "Primeira");
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        var second = await h.AddConversationAsync(channel, "Segunda");
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        var third = await h.AddConversationAsync(channel, "Terceira");

        // The app was down for an hour: both deadlines of every conversation passed meanwhile.
        h.Clock.Advance(TimeSpan.FromHours(1));
        var restarted = h.NewEngine(new KeepAliveSignal());
        var pass = await restarted.RunPassAsync();
        var again = await restarted.RunPassAsync();

        Assert.Equal(3, pass.Sent);
        Assert.Equal(0, again.Sent);
        await using (var db = h.Database.NewContext())
        {
            var order = await db.Messages.Where(m => m.Kind == MessageKind.Text && m.Direction == MessageDirection.Outgoing)
                .OrderBy(m => m.Id).Select(m => m.ConversationId).ToListAsync();
            Assert.Equal([first, second, third], order);
        }

        // The customer gets the full finalization time after the late inactivity message, not an instant goodbye.
        foreach (var id in new[] { first, second, third })
        {
            Assert.Equal([Inactivity], await h.SentTextsAsync(id));
            Assert.Equal(h.Now.AddMinutes(5), (await h.ConversationAsync(id)).KeepAliveDueAt);
        }

        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(3, (await h.NewEngine(new KeepAliveSignal()).RunPassAsync()).Sent);
        foreach (var id in new[] { first, second, third })
        {
            Assert.Equal([Inactivity, Finalization], await h.SentTextsAsync(id));
            Assert.Equal(ConversationStatus.Resolved, (await h.ConversationAsync(id)).Status);
        }
    }

    [Fact]
    public async Task TwoSweepers_RunningConcurrentlyOnOneDatabase_NeverSendTwiceForTheSameDeadline()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        await using (var db = h.Database.NewContext())
        {
            var entity = await db.Channels.SingleAsync(c => c.Id == channel);
            for (var i = 0; i < 300; i++)
            {
                var conversation = await db.AddConversationAsync(entity, $"C{i}", h.Now.AddSeconds(i % 7));
                KeepAliveSchedule.OnCustomerMessage(conversation, entity, conversation.LastCustomerMessageAt!.Value);
            }

            await db.SaveChangesAsync();
        }

        h.Clock.Advance(TimeSpan.FromMinutes(11));
        // Small batches so the two instances interleave many times.
        var a = h.NewEngine(new KeepAliveSignal(), batchSize: 20);
        var b = h.NewEngine(new KeepAliveSignal(), batchSize: 20);
        var passes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).RunPassAsync())));

        Assert.Equal(300, passes.Sum(p => p.Sent));
        await using var check = h.Database.NewContext();
        var perConversation = await check.Messages.Where(m => m.Kind == MessageKind.Text && m.Direction == MessageDirection.Outgoing)
            .GroupBy(m => m.ConversationId).Select(g => g.Count()).ToListAsync();
        Assert.Equal(300, perConversation.Count);
        Assert.All(perConversation, count => Assert.Equal(1, count));
        Assert.Equal(300, await check.Messages.CountAsync(m => m.Content == KeepAliveEngine.InactivitySentActivity));
    }

    [Fact]
    public async Task PostgreSql_ConversationLockedByAnotherWriter_IsSkippedNotWaitedFor_AndHandledOnceReleased()
    {
        await using var h = await KeepAliveHarness.CreateOnPostgreSqlAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 5));
        var locked = await h.AddConversationAsync(channel, "Ana");
        var free = await h.AddConversationAsync(channel, "Bruno");
        h.Clock.Advance(TimeSpan.FromMinutes(11));

        // Another writer (an inbound batch on this or another node) holds Ana's conversation and has not committed.
        await using var other = new Npgsql.NpgsqlConnection(h.Database.ConnectionString);
        await other.OpenAsync();
        await using var holding = await other.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand("""SELECT 1 FROM "Conversations" WHERE "Id" = $1 FOR UPDATE""", other, holding))
        {
            lockRow.Parameters.Add(new Npgsql.NpgsqlParameter { Value = locked });
            await lockRow.ExecuteScalarAsync();
        }

        // Waiting for that row while holding Bruno's is how two writers deadlock: the pass must finish without it.
        var pass = await h.Engine.RunPassAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, pass.Sent);
        Assert.Equal([Inactivity], await h.SentTextsAsync(free));
        Assert.Empty(await h.SentTextsAsync(locked));

        await holding.RollbackAsync();
        var after = await h.Engine.RunPassAsync();
        Assert.Equal(1, after.Sent);
        Assert.Equal([Inactivity], await h.SentTextsAsync(locked));
        Assert.Equal([Inactivity], await h.SentTextsAsync(free));
    }

    [Fact]
    public async Task Service_SleepsUntilTheNextDeadline_AndNeverLongerThanTheSafetyNet()
    {
        await using var h = await KeepAliveHarness.CreateAsync();
        var service = new KeepAliveService(h.Engine, h.Signal, h.Clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<KeepAliveService>.Instance);

        Assert.Equal(TimeSpan.Zero, service.SleepUntil(h.Now.AddSeconds(-1)));
        Assert.InRange(service.SleepUntil(h.Now.AddSeconds(3)), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3.1));
        Assert.Equal(KeepAliveService.MaxSleep, service.SleepUntil(h.Now.AddHours(2)));
        Assert.Equal(KeepAliveService.MaxSleep, service.SleepUntil(null));
    }
}

internal static class RowExtensions
{
    /// <summary>The row as "column=value (storage type)" lines, minus the given columns, so a difference names its column.</summary>
    public static List<string> Without(this Dictionary<string, object?> row, params string[] columns) =>
        row.Where(c => !columns.Contains(c.Key)).Select(c => $"{c.Key}={c.Value} ({c.Value?.GetType().Name})").ToList();
}
