using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Reports;
using TalkToMe.Web.Components.Pages.Reports;

namespace TalkToMe.Web.Endpoints;

/// <summary>The query string every report reads: a preset range or from/to, and the filters.</summary>
public sealed record ReportQueryString(
    [property: FromQuery(Name = "range")] string? Range,
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "channelId")] int? ChannelId,
    [property: FromQuery(Name = "channelGroupId")] int? ChannelGroupId,
    [property: FromQuery(Name = "agentId")] string? AgentId,
    [property: FromQuery(Name = "businessHours")] bool? BusinessHours = null,
    [property: FromQuery(Name = "labelId"), Description("Only the conversations that carry this label now (its id).")] int? LabelId = null)
{
    public const string Today = "today", Week = "7d", Month = "30d";

    /// <summary>The filter, or the field messages that say what is wrong with it.</summary>
    public static bool TryParse(ReportQueryString query, TimeProvider time, out ReportFilter filter, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var today = ReportCalendar.Today(time);
        DateOnly from = today, to = today;
        switch (query.Range)
        {
            case null or "" when query.From is null && query.To is null:
            case Today:
                break;
            case Week:
                from = today.AddDays(-6);
                break;
            case Month:
                from = today.AddDays(-29);
                break;
            case null or "" or "custom":
                if (!TryDate(query.From, out from))
                {
                    errors["from"] = [ServerText.Get("Error.ReportDate", "Informe a data no formato aaaa-mm-dd.")];
                }

                if (!TryDate(query.To, out to))
                {
                    errors["to"] = [ServerText.Get("Error.ReportDate", "Informe a data no formato aaaa-mm-dd.")];
                }

                break;
            default:
                errors["range"] = [ServerText.Get("Error.ReportRange", "Use today, 7d, 30d ou informe from e to.")];
                break;
        }

        filter = new ReportFilter(from, to, query.ChannelId, query.ChannelGroupId, string.IsNullOrWhiteSpace(query.AgentId) ? null : query.AgentId,
            query.BusinessHours == true, query.LabelId);
        if (errors.Count == 0)
        {
            foreach (var (field, message) in filter.Validate())
            {
                errors[field] = [message];
            }
        }

        return errors.Count == 0;
    }

    private static bool TryDate(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}

public static class ReportEndpoints
{
    public static void MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        // The admin API: every figure of the Relatórios page as JSON (personal API tokens, admins only).
        var api = app.MapGroup("/api/v1/reports").RequireAuthorization(ChannelAdminEndpoints.ApiAdminPolicy).WithTags("Reports");
        api.MapGet("", async ([AsParameters] ReportQueryString query, ReportQuery reports, TimeProvider time, HttpContext http) =>
            ReportQueryString.TryParse(query, time, out var filter, out var errors)
                ? Results.Ok(await reports.GetAsync(filter, http.RequestAborted))
                : Results.ValidationProblem(errors))
            .WithSummary("Report: KPIs against the previous period, per-day series, heat map, CSAT and the agent and channel tables.")
            .Produces<ReportResult>()
            .ProducesValidationProblem();

        api.MapGet("/{table}.csv", ([AsParameters] ReportQueryString query, string table, ReportQuery reports, TimeProvider time,
                IStringLocalizer<SharedResource> localizer, HttpContext http) => CsvAsync(query, table, reports, time, localizer, null, http))
            .WithSummary("One of the report's tables (agents or channels) as CSV.")
            .Produces<string>(contentType: "text/csv")
            .ProducesValidationProblem();

        // The page's "Exportar CSV" links: the signed-in user's cookie; an agent only ever gets their own row.
        app.MapGet("/reports/export/{table}.csv", ([AsParameters] ReportQueryString query, string table, ReportQuery reports, TimeProvider time,
                IStringLocalizer<SharedResource> localizer, HttpContext http) =>
            CsvAsync(query, table, reports, time, localizer, http.User.IsInRole(Roles.Admin) ? null : http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "-", http))
            .RequireAuthorization()
            .ExcludeFromDescription();
    }

    private static async Task<IResult> CsvAsync(ReportQueryString query, string table, ReportQuery reports, TimeProvider time,
        IStringLocalizer localizer, string? onlyAgent, HttpContext http)
    {
        if (table is not ("agents" or "channels"))
        {
            return Results.NotFound();
        }

        if (!ReportQueryString.TryParse(query, time, out var filter, out var errors))
        {
            return Results.ValidationProblem(errors);
        }

        if (onlyAgent is not null)
        {
            filter = filter with { AgentId = onlyAgent };
        }

        var result = await reports.GetAsync(filter, http.RequestAborted);
        var csv = ReportFormat.Csv(table == "agents" ? result.ByAgent : result.ByChannel, table == "agents", localizer);
        var name = string.Create(CultureInfo.InvariantCulture, $"talktome-{table}-{filter.From:yyyy-MM-dd}-{filter.To:yyyy-MM-dd}.csv");
        // A BOM so spreadsheet programs read the accents as UTF-8.
        return Results.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray(), "text/csv; charset=utf-8", name);
    }
}
