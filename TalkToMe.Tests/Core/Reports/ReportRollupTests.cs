using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Core.Reports;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Reports;

/// <summary>
/// Each metric's definition on conversations lived through the real services with a fake clock, read back the way the
/// Relatórios page reads it (<see cref="ReportQuery"/> over the rollups the units of work kept).
/// </summary>
public sealed class ReportRollupTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TestData.Now);
    private readonly Actor _ana = new("ana-id", "Ana");
    private readonly Actor _joao = new("joao-id", "João");
    private TestDatabase _database = null!;
    private TestConversations _conversations = null!;
    private Channel _channel = null!;
    private Channel _other = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _conversations = new TestConversations(_database, new InboxEventHub(NullLogger<InboxEventHub>.Instance), _time);
        await using var db = _database.NewContext();
        _channel = await db.AddChannelAsync("API Loja");
        _other = await db.AddChannelAsync("API Suporte");
        db.Users.Add(new AppUser { Id = "ana-id", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
        db.Users.Add(new AppUser { Id = "joao-id", UserName = "joao@x", Email = "joao@x", DisplayName = "João" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private DateOnly Today => ReportCalendar.Today(_time);

    private Task<ReportResult> ReportAsync(string? agentId = null, DateOnly? from = null, DateOnly? to = null, int? channelId = null) =>
        new ReportQuery(_database.Factory).GetAsync(new ReportFilter(from ?? Today, to ?? Today, channelId, AgentId: agentId));

    private async Task<int> CustomerWritesAsync(string text = "Oi", string contact = "c-1", Channel? channel = null) =>
        (await _conversations.Inbound.ReceiveAsync(new InboundMessage((channel ?? _channel).Id, contact, "Maria", null, text))).ConversationId!.Value;

    private Task InUnitAsync(int conversationId, Action<UnitOfWork, Conversation> change) =>
        _conversations.Units.InTransactionAsync(async unit =>
        {
            var conversation = await unit.Db.Conversations.Include(c => c.Channel).SingleAsync(c => c.Id == conversationId);
            change(unit, conversation);
        });

    private static void AssertSeconds(double expected, double? actual) =>
        Assert.InRange(actual!.Value, expected * 0.975, expected * 1.025);

    [Fact]
    public async Task FirstResponse_FromCustomersFirstMessageToFirstAgentReply_IgnoresNotesAndLaterReplies()
    {
        var id = await CustomerWritesAsync();
        _time.Advance(TimeSpan.FromSeconds(30));
        await _conversations.Commands.AddNoteAsync(id, _ana, "vou ver");
        _time.Advance(TimeSpan.FromSeconds(60));
        await _conversations.Commands.ReplyAsync(id, _ana, "Olá!");
        _time.Advance(TimeSpan.FromMinutes(5));
        await CustomerWritesAsync("e aí?");
        _time.Advance(TimeSpan.FromSeconds(10));
        await _conversations.Commands.ReplyAsync(id, _joao, "Pronto");

        var report = await ReportAsync();

        Assert.Equal(1, report.Totals.Opened);
        Assert.Equal(1, report.Totals.FirstResponse.Count);
        Assert.Equal(90, report.Totals.FirstResponse.Average);
        AssertSeconds(90, report.Totals.FirstResponse.Median);
        Assert.Equal(2, report.Totals.AgentReplies);
        var ana = (await ReportAsync("ana-id")).Totals;
        Assert.Equal(1, ana.FirstResponse.Count);
        Assert.Equal(1, ana.AgentReplies);
        Assert.Equal(0, (await ReportAsync("joao-id")).Totals.FirstResponse.Count);
    }

    [Fact]
    public async Task FirstResponse_BotRepliesAreCountedApart()
    {
        var id = await CustomerWritesAsync();
        _time.Advance(TimeSpan.FromSeconds(5));
        await InUnitAsync(id, (unit, c) =>
            BotMessages.Send(unit.Db, c, c.Channel, "Sou o bot", SenderType.Bot, BotMessages.BotName, _time.GetUtcNow().UtcDateTime));
        _time.Advance(TimeSpan.FromSeconds(95));
        await _conversations.Commands.ReplyAsync(id, _ana, "Sou a Ana");

        var totals = (await ReportAsync()).Totals;

        Assert.Equal(100, totals.FirstResponse.Average);
        Assert.Equal(5, totals.BotFirstResponse.Average);
        Assert.Equal(1, totals.BotReplies);
        Assert.Equal(1, totals.AgentReplies);
    }

    [Fact]
    public async Task ResolvedReopenedResolvedAgain_CountsTwoResolutionsEachTimedFromItsOwnStart()
    {
        var id = await CustomerWritesAsync();
        _time.Advance(TimeSpan.FromMinutes(10));
        await _conversations.Commands.ReplyAsync(id, _ana, "Resolvido?");
        _time.Advance(TimeSpan.FromMinutes(10));
        await _conversations.Commands.ResolveAsync(id, _ana);
        _time.Advance(TimeSpan.FromHours(1));
        await _conversations.Commands.ReopenAsync(id, _ana);
        _time.Advance(TimeSpan.FromMinutes(30));
        await _conversations.Commands.ResolveAsync(id, _ana);

        var totals = (await ReportAsync()).Totals;

        Assert.Equal(1, totals.Opened);
        Assert.Equal(2, totals.Resolved);
        Assert.Equal(1, totals.Reopened);
        Assert.Equal(2, totals.ResolutionTime.Count);
        Assert.Equal((20 * 60 + 30 * 60) / 2.0, totals.ResolutionTime.Average);
        AssertSeconds(30 * 60, totals.ResolutionTime.P90);
        Assert.Equal(1, totals.RepliesPerConversation);
        var ana = (await ReportAsync("ana-id")).Totals;
        Assert.Equal(2, ana.Resolved);
        Assert.Equal(1, ana.Reopened);
    }

    [Fact]
    public async Task KeepAliveClosure_IsCountedApartFromResolutions()
    {
        var id = await CustomerWritesAsync();
        _time.Advance(TimeSpan.FromMinutes(10));
        await _conversations.Commands.ReplyAsync(id, _ana, "Ainda aí?");
        _time.Advance(TimeSpan.FromHours(2));
        await InUnitAsync(id, (unit, c) =>
        {
            var now = _time.GetUtcNow().UtcDateTime;
            BotMessages.Activity(unit.Db, c, ActivityText.KeepAliveClosed, now);
            c.Resolve(now);
        });

        var totals = (await ReportAsync()).Totals;

        Assert.Equal(1, totals.KeepAliveClosed);
        Assert.Equal(0, totals.Resolved);
        Assert.Equal(0, totals.ResolutionTime.Count);
        Assert.Equal(1, (await ReportAsync("ana-id")).Totals.KeepAliveClosed);
    }

    [Fact]
    public async Task Opened_CountsOnTheLocalDayAndHour()
    {
        // 02:30 UTC is 23:30 of the day before in Brasília.
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 3, 2, 30, 0, TimeSpan.Zero));
        await CustomerWritesAsync();
        var localDay = new DateOnly(2026, 11, 2);

        var report = await ReportAsync(from: localDay, to: localDay);

        Assert.Equal(1, report.Totals.Opened);
        Assert.Equal(1, report.OpenedByWeekdayHour[(int)localDay.DayOfWeek][23]);
        Assert.Equal(0, (await ReportAsync(from: localDay.AddDays(1), to: localDay.AddDays(1))).Totals.Opened);
    }

    [Fact]
    public async Task Report_ComparesWithThePreviousPeriod_AndFiltersByChannel()
    {
        await CustomerWritesAsync(contact: "c-1");
        _time.Advance(TimeSpan.FromDays(1));
        await CustomerWritesAsync(contact: "c-2");
        await CustomerWritesAsync(contact: "c-3");
        await CustomerWritesAsync(contact: "c-4", channel: _other);

        var report = await ReportAsync();
        var shop = await ReportAsync(channelId: _channel.Id);

        Assert.Equal(3, report.Totals.Opened);
        Assert.Equal(1, report.PreviousTotals.Opened);
        Assert.Equal(2, shop.Totals.Opened);
        Assert.Equal(["API Loja", "API Suporte"], report.ByChannel.Select(r => r.Name));
        Assert.Equal(2, report.Days.Single().OpenedByChannel[_channel.Id]);
    }

    [Fact]
    public async Task Filter_EndBeforeStart_IsRefusedWithAFieldMessage()
    {
        var error = await Assert.ThrowsAsync<ReportFilterException>(() => ReportAsync(from: Today, to: Today.AddDays(-1)));
        Assert.Equal("A data final deve ser igual ou posterior à inicial.", error.Errors["to"]);
    }

    [Fact]
    public async Task Rollups_KeptByEachUnit_EqualARebuildFromTheMessages_OnRandomData()
    {
        var random = new Random(1602);
        var agents = new[] { _ana, _joao };
        var ids = new List<int>();
        for (var step = 0; step < 300; step++)
        {
            _time.Advance(TimeSpan.FromMinutes(random.Next(1, 240)));
            var agent = agents[random.Next(agents.Length)];
            var roll = random.Next(10);
            if (ids.Count == 0 || roll == 0)
            {
                ids.Add(await CustomerWritesAsync(contact: $"c-{ids.Count}", channel: random.Next(2) == 0 ? _channel : _other));
                continue;
            }

            var id = ids[random.Next(ids.Count)];
            await using var db = _database.NewContext();
            var status = (await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == id)).Status;
            switch (roll)
            {
                case 1 or 2 when status != ConversationStatus.Resolved:
                    await _conversations.Commands.ReplyAsync(id, agent, "resposta");
                    break;
                case 3 when status != ConversationStatus.Resolved:
                    await _conversations.Commands.AddNoteAsync(id, agent, "nota");
                    break;
                case 4 or 5 when status != ConversationStatus.Resolved:
                    await _conversations.Commands.ResolveAsync(id, agent);
                    break;
                case 6 when status == ConversationStatus.Resolved:
                    await _conversations.Commands.ReopenAsync(id, agent);
                    break;
                case 7 when status != ConversationStatus.Resolved:
                    await InUnitAsync(id, (unit, c) =>
                    {
                        var now = _time.GetUtcNow().UtcDateTime;
                        BotMessages.Activity(unit.Db, c, ActivityText.KeepAliveClosed, now);
                        c.Resolve(now);
                    });
                    break;
                case 8:
                    await InUnitAsync(id, (unit, c) =>
                        BotMessages.Send(unit.Db, c, c.Channel, "bot", SenderType.Bot, BotMessages.BotName, _time.GetUtcNow().UtcDateTime));
                    break;
                default:
                    var contact = await db.Conversations.AsNoTracking().Where(c => c.Id == id)
                        .Select(c => new { c.ChannelId, c.ContactIdentity.ExternalId }).SingleAsync();
                    if (status != ConversationStatus.Resolved)
                    {
                        await CustomerWritesAsync("mais", contact.ExternalId, contact.ChannelId == _channel.Id ? _channel : _other);
                    }

                    break;
            }
        }

        var kept = await CountsAsync();
        var report = await ReportAsync(from: Today.AddDays(-60), to: Today);

        await ReportRollups.RebuildAsync(_conversations.Units);

        var rebuilt = await CountsAsync();
        Assert.True(kept.Count > 20, $"only {kept.Count} cells");
        Assert.Equal(rebuilt, kept);
        Assert.True(report.Totals.Resolved > 0 && report.Totals.Reopened > 0 && report.Totals.KeepAliveClosed > 0,
            "the random story resolves, reopens and closes conversations");
        Assert.Equal(ids.Count, report.Totals.Opened);
    }

    private async Task<List<string>> CountsAsync()
    {
        await using var db = _database.NewContext();
        return (await db.ReportCounts.AsNoTracking().ToListAsync())
            .Select(r => $"{r.Day} {r.ChannelId} {r.AgentId} {r.Metric} {r.Bucket}: {r.Count} {r.Sum}").Order(StringComparer.Ordinal).ToList();
    }
}
