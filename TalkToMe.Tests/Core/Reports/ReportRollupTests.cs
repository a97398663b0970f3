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
    private const string AnaId = "ana-id";
    private readonly Actor _ana = new(AnaId, "Ana");
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

    private Task<ReportResult> ReportAsync(string? agentId = null, DateOnly? from = null, DateOnly? to = null, int? channelId = null,
        bool businessHours = false) =>
        new ReportQuery(_database.Factory).GetAsync(new ReportFilter(from ?? Today, to ?? Today, channelId, AgentId: agentId, BusinessHours: businessHours));

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
    public async Task BusinessHours_DurationsCountOnlyWhileTheChannelIsOpen_CalendarTimeWhereItHasNone()
    {
        // Monday to Friday, 09:00–18:00 in São Paulo. TestData.Now is Monday 09:00 there.
        await using (var db = _database.NewContext())
        {
            var channel = await db.Channels.SingleAsync(c => c.Id == _channel.Id);
            channel.ConfigureBusinessHours(new TalkToMe.Core.Hours.BusinessHours
            {
                IsEnabled = true,
                TimeZoneId = "America/Sao_Paulo",
                Intervals = [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
                    .Select(d => new TalkToMe.Core.Hours.BusinessInterval(d, "09:00", "18:00"))],
            });
            await db.SaveChangesAsync();
        }

        var monday = Today;
        _time.Advance(TimeSpan.FromHours(8)); // 17:00, an hour before closing
        var id = await CustomerWritesAsync("Meu pedido não chegou");
        var other = await CustomerWritesAsync("Oi", "c-2", _other);
        _time.Advance(TimeSpan.FromSeconds(90));
        await _conversations.Commands.ReplyAsync(other, _joao, "Olá");
        _time.Advance(TimeSpan.FromHours(16.5) - TimeSpan.FromSeconds(90)); // Tuesday 09:30
        await _conversations.Commands.ReplyAsync(id, _ana, "Bom dia! Vou verificar.");
        _time.Advance(TimeSpan.FromMinutes(30)); // Tuesday 10:00
        await _conversations.Commands.ResolveAsync(id, _ana);

        var calendar = await ReportAsync(from: monday, to: Today, channelId: _channel.Id);
        var business = await ReportAsync(from: monday, to: Today, channelId: _channel.Id, businessHours: true);
        var otherBusiness = await ReportAsync(from: monday, to: Today, channelId: _other.Id, businessHours: true);

        Assert.Equal(16.5 * 3600, calendar.Totals.FirstResponse.Average);
        Assert.Equal(17 * 3600, calendar.Totals.ResolutionTime.Average);
        // 17:00–18:00 on Monday and 09:00–09:30 on Tuesday; the resolution another half hour later.
        Assert.Equal(1.5 * 3600, business.Totals.FirstResponse.Average);
        AssertSeconds(1.5 * 3600, business.Totals.FirstResponse.Median);
        Assert.Equal(2 * 3600, business.Totals.ResolutionTime.Average);
        Assert.Equal(1.5 * 3600, business.ByAgent.Single(r => r.Key == AnaId).Totals.FirstResponse.Average);
        Assert.Equal(1, business.Totals.Opened);
        // A channel without business hours counts calendar time either way.
        Assert.Equal(90, otherBusiness.Totals.FirstResponse.Average);
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
        var ids = await RandomStoryAsync();
        var kept = await CountsAsync();
        var keptEvents = await EventsAsync();
        var report = await ReportAsync(from: Today.AddDays(-60), to: Today);

        await ReportRollups.RebuildAsync(_conversations.Units);

        var rebuilt = await CountsAsync();
        Assert.True(kept.Count > 20, $"only {kept.Count} cells");
        Assert.Equal(rebuilt, kept);
        // Each conversation's events, kept by the units as its messages came, are what the rebuild walks out of them.
        Assert.Equal(await EventsAsync(), keptEvents);
        Assert.True(keptEvents.Select(e => e.Split(' ')[0]).Distinct().Count() > ids.Count / 2, "most conversations have events");
        Assert.True(report.Totals.Resolved > 0 && report.Totals.Reopened > 0 && report.Totals.KeepAliveClosed > 0,
            "the random story resolves, reopens and closes conversations");
        Assert.Equal(ids.Count, report.Totals.Opened);
    }

    /// <summary>300 random steps over two channels and two agents: new conversations, replies, notes, resolutions,
    /// reopenings (and resolutions again), Keep Alive closures, bot replies and customer messages.</summary>
    private async Task<List<int>> RandomStoryAsync()
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

        return ids;
    }

    [Fact]
    public async Task Rollups_ChannelAndAgentGrains_AreTheChannelAgentGrainSummed_OnRandomData()
    {
        await RandomStoryAsync();
        await using var db = _database.NewContext();
        var rows = await db.ReportCounts.AsNoTracking().ToListAsync();
        var fine = rows.Where(r => r.Grain == ReportGrain.ChannelAgent).ToList();
        static string Cell(int day, int channelId, string agentId, ReportMetric metric, int bucket, long count, long sum) =>
            $"{day} {channelId} {agentId} {metric} {bucket}: {count} {sum}";
        List<string> Cells(IEnumerable<ReportCount> cells) =>
            cells.Select(r => Cell(r.Day, r.ChannelId, r.AgentId, r.Metric, r.Bucket, r.Count, r.Sum)).Order(StringComparer.Ordinal).ToList();

        var channelGrain = rows.Where(r => r.Grain == ReportGrain.Channel
            && r.Metric is not (ReportMetric.Opened or ReportMetric.BotReplies or ReportMetric.BotFirstResponse or ReportMetric.BotFirstResponseBusiness)).ToList();
        var agentGrain = rows.Where(r => r.Grain == ReportGrain.Agent).ToList();

        Assert.True(fine.Count > 20 && fine.Select(r => r.AgentId).Distinct().Count() >= 2 && fine.Select(r => r.ChannelId).Distinct().Count() == 2,
            "the story spreads over both channels and agents");
        Assert.Equal(
            fine.GroupBy(r => (r.Day, r.ChannelId, r.Metric, r.Bucket)).Select(g => Cell(g.Key.Day, g.Key.ChannelId, "", g.Key.Metric, g.Key.Bucket,
                g.Sum(r => r.Count), g.Sum(r => r.Sum))).Order(StringComparer.Ordinal).ToList(),
            Cells(channelGrain));
        Assert.Equal(
            fine.GroupBy(r => (r.Day, r.AgentId, r.Metric, r.Bucket)).Select(g => Cell(g.Key.Day, 0, g.Key.AgentId, g.Key.Metric, g.Key.Bucket,
                g.Sum(r => r.Count), g.Sum(r => r.Sum))).Order(StringComparer.Ordinal).ToList(),
            Cells(agentGrain));
        // The week grain is the agent grain summed Monday to Sunday.
        Assert.Equal(
            agentGrain.GroupBy(r => (Week: r.Day - r.Day % 7, r.AgentId, r.Metric, r.Bucket)).Select(g => Cell(g.Key.Week, 0, g.Key.AgentId, g.Key.Metric,
                g.Key.Bucket, g.Sum(r => r.Count), g.Sum(r => r.Sum))).Order(StringComparer.Ordinal).ToList(),
            Cells(rows.Where(r => r.Grain == ReportGrain.AgentWeek)));
        Assert.All(rows.Where(r => r.Grain == ReportGrain.AgentWeek), r => Assert.Equal(DayOfWeek.Monday, DateOnly.FromDayNumber(r.Day).DayOfWeek));
        Assert.Contains(rows, r => r.Grain == ReportGrain.Channel && r.Metric == ReportMetric.Opened);
        Assert.DoesNotContain(rows, r => r.Grain != ReportGrain.Channel && r.Metric == ReportMetric.Opened);
    }

    public static TheoryData<string, ReportGrain[]> Filters => new()
    {
        { "all", [ReportGrain.Channel, ReportGrain.Agent, ReportGrain.AgentWeek] },
        { "channel", [ReportGrain.Channel, ReportGrain.ChannelAgent] },
        { "group", [ReportGrain.Channel, ReportGrain.ChannelAgent] },
        { "agent", [ReportGrain.Agent, ReportGrain.AgentWeek, ReportGrain.ChannelAgent] },
        { "agent+channel", [ReportGrain.ChannelAgent] },
        { "agent+group", [ReportGrain.ChannelAgent] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Report_EachFilter_ReadsOnlyItsGrains_AndGivesTheSameFigures(string filter, ReportGrain[] grains)
    {
        await RandomStoryAsync();
        int groupId;
        await using (var db = _database.NewContext())
        {
            var group = new ChannelGroup("Suporte", null);
            group.SetChannels([await db.Channels.SingleAsync(c => c.Id == _other.Id)]);
            db.ChannelGroups.Add(group);
            await db.SaveChangesAsync();
            groupId = group.Id;
        }

        var all = new ReportFilter(Today.AddDays(-30), Today);
        var report = filter switch
        {
            "all" => all,
            "channel" => all with { ChannelId = _channel.Id },
            "group" => all with { ChannelGroupId = groupId },
            "agent" => all with { AgentId = AnaId },
            "agent+channel" => all with { AgentId = AnaId, ChannelId = _channel.Id },
            _ => all with { AgentId = AnaId, ChannelGroupId = groupId },
        };
        var query = new ReportQuery(_database.Factory);
        var before = await query.GetAsync(report);
        var json = System.Text.Json.JsonSerializer.Serialize(before);

        await using (var db = _database.NewContext())
        {
            await db.ReportCounts.Where(r => !grains.Contains(r.Grain)).ExecuteDeleteAsync();
        }

        var fromItsGrains = System.Text.Json.JsonSerializer.Serialize(await query.GetAsync(report));

        Assert.Equal(json, fromItsGrains);
        Assert.True(before.Totals.AgentReplies > 0 && before.ByAgent.Count > 0 && before.ByChannel.Count > 0,
            $"the filter has figures to compare: {before.Totals}");
        Assert.Equal(report.AgentId is null ? null : (string[])[AnaId], report.AgentId is null ? null : before.ByAgent.Select(r => r.Key).ToArray());
        Assert.Equal(report.ChannelId is { } one ? [one] : report.ChannelGroupId is null ? before.ByChannel.Select(r => int.Parse(r.Key)).ToArray() : [_other.Id],
            before.ByChannel.Select(r => int.Parse(r.Key)).ToArray());
    }

    [Fact]
    public async Task Report_TheSameFigures_ReadFromEachGrain_Agree()
    {
        await RandomStoryAsync();
        var all = new ReportFilter(Today.AddDays(-30), Today);
        var query = new ReportQuery(_database.Factory);
        var everyone = await query.GetAsync(all);
        var shop = await query.GetAsync(all with { ChannelId = _channel.Id });
        var ana = await query.GetAsync(all with { AgentId = AnaId });
        var anaInShop = await query.GetAsync(all with { AgentId = AnaId, ChannelId = _channel.Id });
        var key = _channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // The agents' table (agent grain) against an agent's own report (agent grain, then channel × agent for its channels).
        Assert.Equal(everyone.ByAgent.Single(r => r.Key == AnaId).Totals, ana.Totals);
        // The channels' table (channel grain) against one channel's report.
        Assert.Equal(everyone.ByChannel.Single(r => r.Key == key).Totals, shop.Totals);
        // One agent in one channel: the same cells reached three ways.
        Assert.Equal(anaInShop.Totals, shop.ByAgent.Single(r => r.Key == AnaId).Totals);
        Assert.Equal(anaInShop.Totals, ana.ByChannel.Single(r => r.Key == key).Totals);
        Assert.True(anaInShop.Totals.Resolved > 0 && anaInShop.Totals.FirstResponse.Count > 0, "ana resolved and answered in the shop");
        Assert.True(ana.Totals.Resolved < everyone.Totals.Resolved && shop.Totals.Opened < everyone.Totals.Opened);
    }

    private async Task<int> LabelAsync(string name)
    {
        await using var db = _database.NewContext();
        var label = new Label(name, "#8e24aa");
        db.Labels.Add(label);
        await db.SaveChangesAsync();
        return label.Id;
    }

    [Fact]
    public async Task LabelFilter_CountsOnlyTheConversationsThatCarryTheLabelNow_WithTheirDurations()
    {
        var vip = await LabelAsync("vip");
        var delivery = await LabelAsync("entrega");
        var yesterday = await CustomerWritesAsync(contact: "c-0");
        _time.Advance(TimeSpan.FromDays(1));
        var answered = await CustomerWritesAsync(contact: "c-1");
        var relabelled = await CustomerWritesAsync(contact: "c-2");
        var elsewhere = await CustomerWritesAsync(contact: "c-3", channel: _other);
        _time.Advance(TimeSpan.FromMinutes(2));
        await _conversations.Commands.ReplyAsync(answered, _ana, "Olá");
        _time.Advance(TimeSpan.FromMinutes(3));
        await _conversations.Commands.ReplyAsync(relabelled, _joao, "Oi");
        await _conversations.Commands.ReplyAsync(elsewhere, _ana, "Oi");
        _time.Advance(TimeSpan.FromMinutes(5));
        await _conversations.Commands.ResolveAsync(answered, _ana);
        await _conversations.Commands.ResolveAsync(relabelled, _joao);
        // Labels put on after everything was counted; one taken off again and replaced.
        _time.Advance(TimeSpan.FromMinutes(1));
        await _conversations.Commands.AddLabelAsync(yesterday, _ana, vip);
        await _conversations.Commands.AddLabelAsync(answered, _ana, vip);
        await _conversations.Commands.AddLabelAsync(relabelled, _joao, vip);
        await _conversations.Commands.RemoveLabelAsync(relabelled, _joao, vip);
        await _conversations.Commands.AddLabelAsync(relabelled, _joao, delivery);
        await _conversations.Commands.AddLabelAsync(elsewhere, _ana, delivery);
        var query = new ReportQuery(_database.Factory);
        var today = new ReportFilter(Today, Today);

        var everyone = await query.GetAsync(today);
        var vipReport = await query.GetAsync(today with { LabelId = vip });
        var deliveryReport = await query.GetAsync(today with { LabelId = delivery });
        var deliveryElsewhere = await query.GetAsync(today with { LabelId = delivery, ChannelId = _other.Id });
        var deliveryJoao = (await query.GetAsync(today with { LabelId = delivery, AgentId = "joao-id" })).Totals;
        var vipJoao = (await query.GetAsync(today with { LabelId = vip, AgentId = "joao-id" })).Totals;

        Assert.Equal(3, everyone.Totals.Opened);
        // vip: Ana's conversation, answered in 2 minutes and resolved 10 minutes after it began; yesterday's is the previous period.
        var v = vipReport.Totals;
        Assert.Equal((1L, 1L, 1L, 1L), (v.Opened, v.Resolved, v.AgentReplies, v.FirstResponse.Count));
        Assert.Equal(120, v.FirstResponse.Average);
        AssertSeconds(120, v.FirstResponse.Median);
        Assert.Equal(600, v.ResolutionTime.Average);
        Assert.Equal(1, v.RepliesPerConversation);
        Assert.Equal(1, vipReport.PreviousTotals.Opened);
        Assert.Equal([AnaId], vipReport.ByAgent.Select(r => r.Key));
        Assert.Equal(["API Loja"], vipReport.ByChannel.Select(r => r.Name));
        Assert.Equal(1, vipReport.Days.Single().OpenedByChannel[_channel.Id]);
        // entrega: João's (vip taken off) and Ana's on the other channel, both answered in 5 minutes; one resolved.
        var d = deliveryReport.Totals;
        Assert.Equal((2L, 1L, 2L, 2L), (d.Opened, d.Resolved, d.AgentReplies, d.FirstResponse.Count));
        Assert.Equal(300, d.FirstResponse.Average);
        Assert.Equal(600, d.ResolutionTime.Average);
        Assert.Equal(0, deliveryReport.PreviousTotals.Opened);
        Assert.Equal(1, deliveryElsewhere.Totals.Opened);
        Assert.Equal(0, deliveryElsewhere.Totals.Resolved);
        // An agent's own figures within the label: João answered and resolved one entrega conversation, no vip one.
        Assert.Equal((1L, 1L, 1L, 300.0), (deliveryJoao.Resolved, deliveryJoao.AgentReplies, deliveryJoao.FirstResponse.Count, deliveryJoao.FirstResponse.Average!.Value));
        Assert.Equal((0L, 0L, 0L), (vipJoao.Resolved, vipJoao.AgentReplies, vipJoao.FirstResponse.Count));

        await _conversations.Commands.RemoveLabelAsync(answered, _ana, vip);

        var withoutIt = await query.GetAsync(today with { LabelId = vip });
        Assert.Equal((0L, 0L, 0L), (withoutIt.Totals.Opened, withoutIt.Totals.Resolved, withoutIt.Totals.FirstResponse.Count));
        Assert.Equal(1, withoutIt.PreviousTotals.Opened);
    }

    [Fact]
    public async Task LabelFilter_WithinBusinessHours_CountsOnlyWhileTheChannelIsOpen()
    {
        await using (var db = _database.NewContext())
        {
            var channel = await db.Channels.SingleAsync(c => c.Id == _channel.Id);
            channel.ConfigureBusinessHours(new TalkToMe.Core.Hours.BusinessHours
            {
                IsEnabled = true,
                TimeZoneId = "America/Sao_Paulo",
                Intervals = [.. Enum.GetValues<DayOfWeek>().Select(d => new TalkToMe.Core.Hours.BusinessInterval(d, "09:10", "18:00"))],
            });
            await db.SaveChangesAsync();
        }

        var vip = await LabelAsync("vip");
        // TestData.Now is 09:00 in São Paulo: the customer writes before opening, Ana answers at 09:30.
        var id = await CustomerWritesAsync();
        await CustomerWritesAsync(contact: "c-2");
        _time.Advance(TimeSpan.FromMinutes(30));
        await _conversations.Commands.ReplyAsync(id, _ana, "Bom dia");
        await _conversations.Commands.AddLabelAsync(id, _ana, vip);

        var business = await new ReportQuery(_database.Factory).GetAsync(new ReportFilter(Today, Today, BusinessHours: true, LabelId: vip));

        Assert.Equal(1, business.Totals.Opened);
        Assert.Equal(20 * 60, business.Totals.FirstResponse.Average);
    }

    public static TheoryData<string> LabelledFilters => new()
    {
        "all", "channel", "agent", "agent+channel", "business hours",
        // Conversations counted before events were kept (an upgraded installation) are recounted from their messages.
        "all, half counted before events", "agent+channel, half counted before events",
    };

    [Theory]
    [MemberData(nameof(LabelledFilters))]
    public async Task LabelFilter_OnEveryConversation_GivesTheRollupsOwnFigures_OnRandomData(string filter)
    {
        var ids = await RandomStoryAsync();
        var everywhere = await LabelAsync("todas");
        var unused = await LabelAsync("nenhuma");
        foreach (var id in ids)
        {
            await _conversations.Commands.AddLabelAsync(id, _ana, everywhere);
        }

        if (filter.EndsWith(", half counted before events", StringComparison.Ordinal))
        {
            filter = filter[..filter.IndexOf(',', StringComparison.Ordinal)];
            var before = ids.Where((_, i) => i % 2 == 0).ToArray();
            await using var db = _database.NewContext();
            Assert.Equal(before.Length, await db.ConversationReportStates.Where(s => before.Contains(s.ConversationId))
                .ExecuteUpdateAsync(s => s.SetProperty(state => state.EventsKept, false)));
            await db.ReportEvents.Where(e => before.Contains(e.ConversationId)).ExecuteDeleteAsync();
        }

        var all = new ReportFilter(Today.AddDays(-20), Today);
        var report = filter switch
        {
            "all" => all,
            "channel" => all with { ChannelId = _channel.Id },
            "agent" => all with { AgentId = AnaId },
            "agent+channel" => all with { AgentId = AnaId, ChannelId = _channel.Id },
            _ => all with { BusinessHours = true },
        };
        var query = new ReportQuery(_database.Factory);

        var kept = await query.GetAsync(report);
        var labelled = await query.GetAsync(report with { LabelId = everywhere });
        var none = await query.GetAsync(report with { LabelId = unused });

        Assert.True(kept.Totals.Resolved > 0 && kept.Totals.FirstResponse.Count > 0 && kept.PreviousTotals.AgentReplies > 0,
            $"the story has figures in both periods: {kept.Totals} / {kept.PreviousTotals}");
        Assert.Equal(kept.Totals, labelled.Totals);
        Assert.Equal(kept.PreviousTotals, labelled.PreviousTotals);
        Assert.Equal(kept.ByAgent, labelled.ByAgent);
        Assert.Equal(kept.ByChannel, labelled.ByChannel);
        Assert.Equal(kept.CsatDistribution, labelled.CsatDistribution);
        Assert.Equal(kept.OpenedByWeekdayHour, labelled.OpenedByWeekdayHour);
        static string Days(ReportResult r) => string.Join("\n", r.Days.Select(d =>
            $"{d.Date} {d.FirstResponseMedian} {d.FirstResponseP90} {string.Join(",", d.OpenedByChannel.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"))}"));
        Assert.Equal(Days(kept), Days(labelled));
        Assert.Equal(0, none.Totals.AgentReplies + none.Totals.Opened + none.PreviousTotals.AgentReplies);
    }

    private async Task<List<string>> EventsAsync()
    {
        await using var db = _database.NewContext();
        return (await db.ReportEvents.AsNoTracking().ToListAsync())
            .Select(e => $"{e.ConversationId} {e.Day} {e.ChannelId} {e.AgentId} {e.Metric} {e.Bucket} {e.Sum}").Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Rollups_EventsSummedAtEachGrain_AreTheKeptCells_OnRandomData()
    {
        await RandomStoryAsync();
        await using var db = _database.NewContext();
        var events = await db.ReportEvents.AsNoTracking().ToListAsync();
        // The openings are not kept as events: each conversation's channel and creation time give them.
        var openings = new List<ReportTimeline.Delta>();
        foreach (var c in await db.Conversations.AsNoTracking().Select(c => new { c.Id, c.ChannelId, c.CreatedAt }).ToListAsync())
        {
            ReportTimeline.Start(new ConversationReportState(c.Id, c.ChannelId, c.CreatedAt), c.CreatedAt, openings);
        }

        var summed = events
            .Select(e => new ReportTimeline.Delta(e.ConversationId, e.Day, e.ChannelId, e.AgentId, e.Metric, e.Bucket, e.Sum))
            .Concat(openings)
            .SelectMany(d => ReportCount.CellsOf(d).Select(cell => (Cell: cell, d.Sum)))
            .GroupBy(c => c.Cell)
            .Select(g => $"{g.Key.Grain} {g.Key.Day} {g.Key.ChannelId} {g.Key.AgentId} {g.Key.Metric} {g.Key.Bucket}: {g.Count()} {g.Sum(c => c.Sum)}")
            .Order(StringComparer.Ordinal).ToList();

        Assert.True(events.Count > 100 && openings.Count > 20, $"only {events.Count} events, {openings.Count} openings");
        Assert.DoesNotContain(events, e => e.Metric == ReportMetric.Opened);
        Assert.Equal(await CountsAsync(), summed);
    }

    private async Task<List<string>> CountsAsync()
    {
        await using var db = _database.NewContext();
        return (await db.ReportCounts.AsNoTracking().ToListAsync())
            .Select(r => $"{r.Grain} {r.Day} {r.ChannelId} {r.AgentId} {r.Metric} {r.Bucket}: {r.Count} {r.Sum}").Order(StringComparer.Ordinal).ToList();
    }
}
