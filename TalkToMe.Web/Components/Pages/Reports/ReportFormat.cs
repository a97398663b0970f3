using System.Globalization;
using System.Text;
using Microsoft.Extensions.Localization;
using TalkToMe.Core.Reports;

namespace TalkToMe.Web.Components.Pages.Reports;

/// <summary>How the Relatórios page, its CSV files and the API write figures: durations in s / min / h / d, shares in %.</summary>
public static class ReportFormat
{
    public static string Duration(double? seconds)
    {
        if (seconds is not { } s)
        {
            return "—";
        }

        var value = TimeSpan.FromSeconds(Math.Round(s));
        return value.TotalSeconds < 60 ? $"{value.TotalSeconds:0} s"
            : value.TotalMinutes < 60 ? (value.Seconds == 0 ? $"{value.Minutes} min" : $"{value.Minutes} min {value.Seconds} s")
            : value.TotalHours < 24 ? (value.Minutes == 0 ? $"{(int)value.TotalHours} h" : $"{(int)value.TotalHours} h {value.Minutes} min")
            : value.Hours == 0 ? $"{(int)value.TotalDays} d" : $"{(int)value.TotalDays} d {value.Hours} h";
    }

    public static string Number(double? value, string format = "0.#") =>
        value is { } v ? v.ToString(format, CultureInfo.CurrentCulture) : "—";

    public static string Share(double? share) => share is { } s ? s.ToString("P0", CultureInfo.CurrentCulture) : "—";

    /// <summary>The change against the previous period as "+12 %", or null when there is nothing to compare with.</summary>
    public static double? Change(double? current, double? previous) =>
        current is { } c && previous is { } p && p != 0 ? (c - p) / p : null;

    /// <summary>A table as CSV (RFC 4180; a formula-looking cell is prefixed with ' so a spreadsheet shows it as text).</summary>
    public static string Csv(IReadOnlyList<ReportRow> rows, bool byAgent, IStringLocalizer localizer)
    {
        var csv = new StringBuilder();
        string[] header = byAgent
            ? [localizer["Reports.Agent"], localizer["Reports.Resolved"], localizer["Reports.KeepAliveClosed"], localizer["Reports.Reopened"],
                localizer["Reports.FirstResponseCount"], localizer["Reports.FirstResponseMedianSeconds"], localizer["Reports.FirstResponseP90Seconds"],
                localizer["Reports.ResolutionMedianSeconds"], localizer["Reports.AgentReplies"], localizer["Reports.CsatCount"], localizer["Reports.CsatAverage"]]
            : [localizer["Reports.Channel"], localizer["Reports.Opened"], localizer["Reports.Resolved"], localizer["Reports.KeepAliveClosed"],
                localizer["Reports.Reopened"], localizer["Reports.FirstResponseCount"], localizer["Reports.FirstResponseMedianSeconds"],
                localizer["Reports.FirstResponseP90Seconds"], localizer["Reports.ResolutionMedianSeconds"], localizer["Reports.AgentReplies"],
                localizer["Reports.CsatCount"], localizer["Reports.CsatAverage"]];
        Line(csv, header);
        foreach (var row in rows)
        {
            var t = row.Totals;
            var name = row.Name.Length == 0 ? localizer["Reports.NoAgent"] : row.Name;
            string[] common = [Plain(t.Resolved), Plain(t.KeepAliveClosed), Plain(t.Reopened), Plain(t.FirstResponse.Count),
                Seconds(t.FirstResponse.Median), Seconds(t.FirstResponse.P90), Seconds(t.ResolutionTime.Median), Plain(t.AgentReplies),
                Plain(t.CsatCount), t.CsatAverage?.ToString("0.00", CultureInfo.InvariantCulture) ?? ""];
            Line(csv, byAgent ? [name, .. common] : [name, Plain(t.Opened), .. common]);
        }

        return csv.ToString();
    }

    private static string Plain(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(double? value) => value is { } v ? Math.Round(v).ToString(CultureInfo.InvariantCulture) : "";

    private static void Line(StringBuilder csv, IEnumerable<string> cells)
    {
        csv.AppendJoin(',', cells.Select(Cell));
        csv.Append("\r\n");
    }

    private static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
