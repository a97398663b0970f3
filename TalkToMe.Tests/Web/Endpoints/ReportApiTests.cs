using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Endpoints;

/// <summary>GET /api/v1/reports: the Relatórios figures for integrations, admins only, with field messages for a bad filter.</summary>
public class ReportApiTests(ChannelAdminApiFixture fixture) : IClassFixture<ChannelAdminApiFixture>
{
    private async Task<int> SeedAsync()
    {
        await using var db = await fixture.DbAsync();
        var channelId = (await db.AddChannelAsync($"API Relatório {Guid.NewGuid():N}")).Id;
        var inbound = fixture.App.Services.GetRequiredService<InboundWriter>();
        await inbound.ReceiveAsync(new InboundMessage(channelId, "api-1", "Maria", null, "Oi"));
        await inbound.ReceiveAsync(new InboundMessage(channelId, "api-2", "José", null, "Olá"));
        return channelId;
    }

    [Fact]
    public async Task Report_WithAdminToken_ReturnsTodaysFiguresForTheChannel_AndItsCsv()
    {
        var channelId = await SeedAsync();
        var client = fixture.Client(fixture.AdminToken);

        var report = await client.GetFromJsonAsync<JsonElement>($"api/v1/reports?range=today&channelId={channelId}");

        Assert.Equal(2, report.GetProperty("totals").GetProperty("opened").GetInt32());
        Assert.Equal(0, report.GetProperty("previousTotals").GetProperty("opened").GetInt32());
        Assert.Equal(7, report.GetProperty("openedByWeekdayHour").GetArrayLength());
        var business = await client.GetFromJsonAsync<JsonElement>($"api/v1/reports?range=today&channelId={channelId}&businessHours=true");
        Assert.True(business.GetProperty("filter").GetProperty("businessHours").GetBoolean());
        Assert.Equal(2, business.GetProperty("totals").GetProperty("opened").GetInt32());
        var csv = await client.GetStringAsync($"api/v1/reports/channels.csv?range=7d&channelId={channelId}");
        Assert.Contains("Canal,Abertas,", csv);
        Assert.Contains(",2,", csv);
    }

    [Fact]
    public async Task Report_WithALabel_CountsOnlyTheConversationsCarryingIt_InTheJsonAndTheCsv()
    {
        var channelId = await SeedAsync();
        int labelId;
        await using (var db = await fixture.DbAsync())
        {
            var label = new Label($"api-{Guid.NewGuid():N}"[..20], "#8e24aa");
            db.Labels.Add(label);
            var conversation = await db.Conversations.Include(c => c.Labels)
                .Where(c => c.ChannelId == channelId).OrderBy(c => c.Id).FirstAsync();
            conversation.AddLabel(label);
            await db.SaveChangesAsync();
            labelId = label.Id;
        }

        var client = fixture.Client(fixture.AdminToken);

        var report = await client.GetFromJsonAsync<JsonElement>($"api/v1/reports?range=today&channelId={channelId}&labelId={labelId}");
        var csv = await client.GetStringAsync($"api/v1/reports/channels.csv?range=today&channelId={channelId}&labelId={labelId}");
        var unlabelled = await client.GetStringAsync($"api/v1/reports/channels.csv?range=today&channelId={channelId}");

        Assert.Equal(1, report.GetProperty("totals").GetProperty("opened").GetInt32());
        Assert.Equal(labelId, report.GetProperty("filter").GetProperty("labelId").GetInt32());
        Assert.Contains(",1,", csv);
        Assert.Contains(",2,", unlabelled);
        Assert.DoesNotContain(",2,", csv);
    }

    [Theory]
    [InlineData("range=ontem", "range")]
    [InlineData("from=2026-12-10&to=2026-12-01", "to")]
    [InlineData("from=10/12/2026&to=2026-12-01", "from")]
    public async Task Report_WithABadFilter_Is400WithTheField(string query, string field)
    {
        var response = await fixture.Client(fixture.AdminToken).GetAsync($"api/v1/reports?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Report_WithAnAgentsToken_Is403()
    {
        var response = await fixture.Client(fixture.AgentToken).GetAsync("api/v1/reports");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheReports()
    {
        var document = await fixture.App.CreateClient().GetFromJsonAsync<JsonElement>("openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/reports", out var reports));
        Assert.Contains(reports.GetProperty("get").GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "channelGroupId");
        var label = Assert.Single(reports.GetProperty("get").GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "labelId");
        Assert.Contains("carry this label now", label.GetProperty("description").GetString());
        Assert.True(paths.TryGetProperty("/api/v1/reports/{table}.csv", out _));
        Assert.False(paths.TryGetProperty("/reports/export/{table}.csv", out _));
    }
}
