using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Core.Reports;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Tests.Web.Endpoints;

/// <summary><c>rebuild-reports</c>: a database whose conversations predate the rollups gets its figures back.</summary>
public class RebuildReportsCommandTests
{
    [Fact]
    public async Task RebuildReports_OnADatabaseWithoutRollups_CountsItsConversations()
    {
        await using var database = await TestDatabase.CreateSqliteAsync();
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync("API Loja")).Id;
        }

        var conversations = new TestConversations(database, new InboxEventHub(NullLogger<InboxEventHub>.Instance));
        await conversations.Inbound.ReceiveAsync(new InboundMessage(channelId, "c-1", "Maria", null, "Oi"));
        await conversations.Inbound.ReceiveAsync(new InboundMessage(channelId, "c-2", "José", null, "Olá"));
        await using (var db = database.NewContext())
        {
            // As a database upgraded from a version without reports: conversations, no rollups.
            await db.ReportCounts.ExecuteDeleteAsync();
            await db.ConversationReportStates.ExecuteDeleteAsync();
        }

        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await RebuildReportsCommand.RunAsync(
            [$"--ConnectionStrings:TalkToMe=Data Source={database.Path}", "--TalkToMe:Database:Provider=Sqlite"], output, error);

        Assert.True(exitCode == 0, error.ToString());
        Assert.Contains("Counted 2 conversations", output.ToString());
        var today = ReportCalendar.Today(TimeProvider.System);
        var report = await new ReportQuery(database.Factory).GetAsync(new ReportFilter(today, today));
        Assert.Equal(2, report.Totals.Opened);
    }

    [Fact]
    public async Task RebuildReports_WithAnUnknownArgument_PrintsUsageAndExits2()
    {
        var error = new StringWriter();

        var exitCode = await RebuildReportsCommand.RunAsync(["now"], new StringWriter(), error);

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown argument \"now\"", error.ToString());
        Assert.Contains("Usage: dotnet run --project TalkToMe.Web -- rebuild-reports", error.ToString());
    }
}
