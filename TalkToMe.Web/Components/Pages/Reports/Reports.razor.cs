using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Reports;

namespace TalkToMe.Web.Components.Pages.Reports;

/// <summary>
/// Relatórios: the figures of a period against the one before, read from the per-day rollups. Admins see everyone's
/// and may pick an agent; an agent always sees their own (the filter is forced here and in the CSV endpoint).
/// </summary>
public partial class Reports
{
    private static readonly string[] DefinitionKeys =
    [
        "Opened", "FirstResponseMedian", "BotFirstResponseMedian", "Resolved", "ResolutionMedian", "Reopened", "KeepAliveClosed",
        "RepliesPerConversation", "CsatAverage", "BusinessHours", "Label", "Days",
    ];

    private static readonly string[] CsatLabels = ["1", "2", "3", "4", "5"];
    private static readonly string[] HourLabels = Enumerable.Range(0, 24).Select(h => h.ToString("00", CultureInfo.InvariantCulture)).ToArray();

    private ReportResult? _result;
    private Dictionary<string, string> _errors = [];
    private IReadOnlyList<ChannelOption> _channels = [];
    private IReadOnlyList<NamedOption> _groups = [];
    private IReadOnlyList<AgentOption> _agents = [];
    private IReadOnlyList<LabelRow> _labels = [];
    private List<ChartSeries<double>> _volume = [], _firstResponse = [], _csat = [], _heat = [];
    private string[] _dayLabels = [];
    private string _range = "7d";
    private string? _from, _to;
    private int _channelId, _groupId, _labelId;
    private string _agentId = "";
    private string? _userId;
    private bool _isAdmin, _definitionsOpen, _businessHours;

    [Inject] private ReportQuery Query { get; set; } = default!;
    [Inject] private InboxLookups Lookups { get; set; } = default!;
    [Inject] private LabelService Labels { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        _isAdmin = user.IsInRole(Roles.Admin);
        _channels = await Lookups.ChannelsAsync();
        _groups = await Lookups.ChannelGroupsAsync();
        _labels = await Labels.ListAsync();
        if (_isAdmin)
        {
            _agents = await Lookups.ActiveAgentsAsync();
        }

        var today = ReportCalendar.Today(Time);
        _from = today.AddDays(-6).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        _to = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await LoadAsync();
    }

    private async Task SetRangeAsync(string range)
    {
        _range = range;
        await LoadAsync();
    }

    private async Task SetDateAsync(string? from, string? to)
    {
        _from = from ?? _from;
        _to = to ?? _to;
        await LoadAsync();
    }

    private async Task SetAsync(Action change)
    {
        change();
        await LoadAsync();
    }

    /// <summary>The query string of the current filter: the CSV links carry it to the export endpoint.</summary>
    private string QueryString()
    {
        var parts = new List<string>
        {
            _range == "custom" ? $"from={Uri.EscapeDataString(_from ?? "")}&to={Uri.EscapeDataString(_to ?? "")}" : $"range={_range}",
        };
        if (_channelId != 0)
        {
            parts.Add($"channelId={_channelId}");
        }

        if (_groupId != 0)
        {
            parts.Add($"channelGroupId={_groupId}");
        }

        if (_isAdmin && _agentId.Length > 0)
        {
            parts.Add($"agentId={Uri.EscapeDataString(_agentId)}");
        }

        if (_labelId != 0)
        {
            parts.Add($"labelId={_labelId}");
        }

        if (_businessHours)
        {
            parts.Add("businessHours=true");
        }

        return string.Join('&', parts);
    }

    private async Task LoadAsync()
    {
        var query = new Endpoints.ReportQueryString(_range == "custom" ? null : _range, _from, _to, _channelId == 0 ? null : _channelId,
            _groupId == 0 ? null : _groupId, _isAdmin ? _agentId : _userId ?? "-", _businessHours,
            _labelId == 0 ? null : _labelId);
        if (!Endpoints.ReportQueryString.TryParse(query, Time, out var filter, out var errors))
        {
            _errors = errors.ToDictionary(e => e.Key, e => e.Value[0]);
            return;
        }

        _errors = [];
        _result = await Query.GetAsync(filter);
        BuildCharts(_result);
    }

    private void BuildCharts(ReportResult result)
    {
        _dayLabels = result.Days.Select(d => d.Date.ToString(L["Reports.DayFormat"], Culture)).ToArray();
        var channelIds = result.Days.SelectMany(d => d.OpenedByChannel.Keys).Distinct().Order().ToList();
        _volume = channelIds.Select(id => new ChartSeries<double>
        {
            Name = result.ChannelNames.GetValueOrDefault(id, $"#{id}"),
            Data = new ChartData<double>(result.Days.Select(d => (double)d.OpenedByChannel.GetValueOrDefault(id)).ToArray()),
        }).ToList();
        _firstResponse =
        [
            new ChartSeries<double> { Name = L["Reports.MedianMinutes"], Data = new ChartData<double>(result.Days.Select(d => Minutes(d.FirstResponseMedian)).ToArray()) },
            new ChartSeries<double> { Name = L["Reports.P90Minutes"], Data = new ChartData<double>(result.Days.Select(d => Minutes(d.FirstResponseP90)).ToArray()) },
        ];
        _csat = [new ChartSeries<double> { Name = L["Reports.CsatAnswers"], Data = new ChartData<double>(result.CsatDistribution.Select(c => (double)c).ToArray()) }];
        // Monday first, as agents read a week.
        _heat = Enumerable.Range(1, 7).Select(i => i % 7).Select(day => new ChartSeries<double>
        {
            Name = Culture.DateTimeFormat.AbbreviatedDayNames[day],
            Data = new ChartData<double>(result.OpenedByWeekdayHour[day].Select(c => (double)c).ToArray()),
        }).ToList();
    }

    private static double Minutes(double? seconds) => seconds is { } s ? Math.Round(s / 60, 1) : 0;

    private RenderFragment Kpi(string id, string label, string value, double? current, double? previous, bool? higherIsBetter) => __builder =>
    {
        var change = ReportFormat.Change(current, previous);
        var tone = change is not { } c || c == 0 || higherIsBetter is null ? "ttm-kpi-neutral"
            : (c > 0) == higherIsBetter ? "ttm-kpi-good" : "ttm-kpi-bad";
        __builder.OpenComponent<MudPaper>(0);
        __builder.AddAttribute(1, "Outlined", true);
        __builder.AddAttribute(2, "Class", "pa-3 ttm-kpi");
        __builder.AddAttribute(3, "data-testid", $"kpi-{id}");
        __builder.AddAttribute(4, "ChildContent", (RenderFragment)(b =>
        {
            b.OpenElement(0, "div");
            b.AddAttribute(1, "class", "ttm-kpi-label");
            b.AddContent(2, label);
            b.CloseElement();
            b.OpenElement(3, "div");
            b.AddAttribute(4, "class", "ttm-kpi-value");
            b.AddAttribute(5, "data-testid", "kpi-value");
            b.AddContent(6, value);
            b.CloseElement();
            b.OpenElement(7, "div");
            b.AddAttribute(8, "class", $"ttm-kpi-change {tone}");
            b.AddContent(9, change is { } delta
                ? string.Format(Culture, L["Reports.ChangeVsPrevious"], delta.ToString("+0%;-0%;0%", Culture))
                : L["Reports.NoPrevious"].Value);
            b.CloseElement();
        }));
        __builder.CloseComponent();
    };

    private RenderFragment Table(string id, string title, IReadOnlyList<ReportRow> rows, bool byAgent) => __builder =>
    {
        __builder.OpenComponent<ReportTable>(0);
        __builder.AddAttribute(1, nameof(ReportTable.Id), id);
        __builder.AddAttribute(2, nameof(ReportTable.Title), title);
        __builder.AddAttribute(3, nameof(ReportTable.Rows), rows);
        __builder.AddAttribute(4, nameof(ReportTable.ByAgent), byAgent);
        __builder.AddAttribute(5, nameof(ReportTable.CsvHref), $"/reports/export/{id}.csv?{QueryString()}");
        __builder.CloseComponent();
    };
}
