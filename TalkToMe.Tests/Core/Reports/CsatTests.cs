using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Core.Reports;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Reports;

/// <summary>
/// "Avaliação" in an exit flow on a text channel, through the real inbound pipeline: the customer reads "Responda de 1 a
/// 5", answers, comments, and the score lands on the conversation and in the reports.
/// </summary>
public sealed class CsatTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TestData.Now);
    private readonly Actor _ana = new("ana-id", "Ana");
    private TestDatabase _database = null!;
    private TestConversations _conversations = null!;
    private int _channelId;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _conversations = new TestConversations(_database, new InboxEventHub(NullLogger<InboxEventHub>.Instance), _time, new FlowEngine(_time));
        await using var db = _database.NewContext();
        var exit = new Flow("Pesquisa", TestData.Now);
        exit.ReplaceSteps([
            new FlowStep(FlowStepType.Rating, "Como foi o atendimento, {{nome}}?") { AskComment = true },
            new FlowStep(FlowStepType.Message, "Obrigado pela avaliação!"),
        ]);
        db.Flows.Add(exit);
        db.Users.Add(new AppUser { Id = "ana-id", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
        await db.SaveChangesAsync();
        var channel = await db.AddChannelAsync("API Loja");
        channel.SetFlows(null, exit.Id);
        await db.SaveChangesAsync();
        _channelId = channel.Id;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private async Task CustomerSaysAsync(string text) =>
        await _conversations.Inbound.ReceiveAsync(new InboundMessage(_channelId, "c-1", "Maria", null, text));

    private async Task<List<string>> BotTextsAsync(int id)
    {
        await using var db = _database.NewContext();
        return await db.Messages.Where(m => m.ConversationId == id && m.SenderType == SenderType.Bot).OrderBy(m => m.Id)
            .Select(m => m.Content).ToListAsync();
    }

    [Fact]
    public async Task Rating_OnATextChannel_AsksOneToFive_RefusesOtherAnswers_StoresScoreAndComment_AndCountsInReports()
    {
        var id = (await _conversations.Inbound.ReceiveAsync(new InboundMessage(_channelId, "c-1", "Maria", null, "Oi"))).ConversationId!.Value;
        _time.Advance(TimeSpan.FromMinutes(1));
        await _conversations.Commands.ReplyAsync(id, _ana, "Resolvido!");
        await _conversations.Commands.ResolveAsync(id, _ana);

        Assert.Equal("Como foi o atendimento, Maria?\n1 - Péssimo\n2 - Ruim\n3 - Regular\n4 - Bom\n5 - Ótimo\nResponda de 1 a 5.",
            (await BotTextsAsync(id))[^1]);

        await CustomerSaysAsync("7");
        Assert.StartsWith("Resposta inválida. Responda com um número de 1 a 5.", (await BotTextsAsync(id))[^1]);

        await CustomerSaysAsync("4");
        Assert.Equal(FlowEngine.CommentQuestion, (await BotTextsAsync(id))[^1]);

        await CustomerSaysAsync("Gostei muito");
        Assert.Equal("Obrigado pela avaliação!", (await BotTextsAsync(id))[^1]);

        await using (var db = _database.NewContext())
        {
            var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.Id == id);
            Assert.Equal(4, conversation.CsatScore);
            Assert.Equal("Gostei muito", conversation.CsatComment);
            Assert.Equal(ConversationStatus.Resolved, conversation.Status);
            Assert.Equal("4", Attributes.Read(conversation.AttributesJson)[FlowEngine.RatingAttribute]);
        }

        var today = ReportCalendar.Today(_time);
        var report = await new ReportQuery(_database.Factory).GetAsync(new ReportFilter(today, today));
        Assert.Equal(1, report.Totals.CsatCount);
        Assert.Equal(4, report.Totals.CsatAverage);
        Assert.Equal([0L, 0, 0, 1, 0], report.CsatDistribution);
        Assert.Equal(1, report.Totals.Resolved);
        Assert.Equal(0, report.Totals.Reopened);
        Assert.Equal(1, report.ByAgent.Single(r => r.Key == "ana-id").Totals.CsatCount);
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData(" 3. ", 3)]
    [InlineData("1 - Péssimo", 1)]
    [InlineData("ótimo", 5)]
    [InlineData("10", null)]
    [InlineData("0", null)]
    [InlineData("talvez", null)]
    public void ChooseRating_ReadsADigitOrALabel(string answer, int? expected) => Assert.Equal(expected, FlowEngine.ChooseRating(answer));
}
