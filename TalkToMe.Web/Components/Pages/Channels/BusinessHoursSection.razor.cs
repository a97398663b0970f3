using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TalkToMe.Core.Hours;

namespace TalkToMe.Web.Components.Pages.Channels;

public partial class BusinessHoursSection
{
    // Monday first, as people write a week down in Brazil and in most of Europe.
    private static readonly DayOfWeek[] Week =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    private List<Row> _rows = [];
    private List<DateOnly> _holidays = [];
    private Dictionary<string, string> _errors = [];
    private bool _enabled;
    private bool _keepAliveBusinessTime;
    private string _timeZoneId = BusinessHours.DefaultTimeZone;
    private string _language = BusinessHours.Portuguese;
    private string? _message;
    private string? _newHoliday;
    private string? _holidayError;
    private BusinessHoursStatus? _status;

    [Parameter, EditorRequired]
    public int ChannelId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private BusinessHoursService Hours { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        Load(await Hours.GetAsync(ChannelId) ?? BusinessHours.Default);
    }

    private void Load(BusinessHours hours)
    {
        _enabled = hours.IsEnabled;
        _timeZoneId = hours.TimeZoneId;
        _rows = [.. hours.Intervals.Select(i => new Row { Day = i.Day, Start = i.Start, End = i.End })];
        _holidays = [.. hours.Holidays];
        _language = hours.Language;
        _message = hours.OutOfOfficeMessage;
        _keepAliveBusinessTime = hours.KeepAliveBusinessTimeOnly;
        _status = Hours.StatusOf(hours);
    }

    private BusinessHours ToHours() => new()
    {
        IsEnabled = _enabled,
        TimeZoneId = _timeZoneId ?? "",
        Intervals = [.. _rows.Select(r => new BusinessInterval(r.Day, r.Start ?? "", r.End ?? ""))],
        Holidays = [.. _holidays],
        Language = _language,
        OutOfOfficeMessage = _message,
        KeepAliveBusinessTimeOnly = _keepAliveBusinessTime,
    };

    private string StatusText
    {
        get
        {
            if (_status is not { IsEnabled: true } status)
            {
                return L["Hours.Disabled"];
            }

            if (status.IsOpen)
            {
                return L["Hours.OpenNow"];
            }

            if (status.NextOpeningLocal is not { } next)
            {
                return L["Hours.ClosedNoOpening"];
            }

            var time = next.ToString("HH:mm", CultureInfo.InvariantCulture);
            var when = status.OpensToday ? time
                : status.OpensThisWeek ? string.Format(L["Hours.DayAndTime"], L[$"Hours.On.{next.DayOfWeek}"], time)
                : string.Format(L["Hours.DayAndTime"], next.ToString("d", CultureInfo.CurrentCulture), time);
            return string.Format(L["Hours.ClosedUntil"], when);
        }
    }

    private void Add(DayOfWeek day)
    {
        // A second interval of the day starts where the last one ended, the usual split shift after lunch.
        var last = _rows.LastOrDefault(r => r.Day == day);
        _rows.Add(last is null ? new Row { Day = day, Start = "08:00", End = "18:00" } : new Row { Day = day, Start = last.End, End = "" });
        _errors.Clear();
    }

    private void Remove(Row row)
    {
        _rows.Remove(row);
        // Errors are keyed by position, which just moved.
        _errors.Clear();
    }

    private void Clear(int index, DayOfWeek day)
    {
        _errors.Remove($"Interval.{index}");
        _errors.Remove($"Day.{day}");
    }

    private void AddHoliday()
    {
        if (!DateOnly.TryParseExact(_newHoliday, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            _holidayError = L["Hours.InvalidHoliday"];
            return;
        }

        _holidayError = null;
        _newHoliday = null;
        if (!_holidays.Contains(date))
        {
            _holidays.Add(date);
            _holidays.Sort();
        }
    }

    private async Task SaveAsync()
    {
        var result = await Hours.ConfigureAsync((await AuthenticationState).User, ChannelId, ToHours());
        _errors = new Dictionary<string, string>(result.Errors);
        if (result.Succeeded)
        {
            Load(result.Value!);
            Snackbar.Add(L["Hours.Saved"], Severity.Success);
        }
        else if (result.NotFound)
        {
            Snackbar.Add(L["Channels.NotFound"], Severity.Error);
        }
    }

    private sealed class Row
    {
        public DayOfWeek Day { get; init; }
        public string? Start { get; set; }
        public string? End { get; set; }
    }
}
