namespace TalkToMe.Core.Hours;

/// <summary>
/// Validation of a channel's business hours. Errors are keyed for the form: "TimeZoneId", "Interval.{index}" (a bad or
/// inverted interval), "Day.{DayOfWeek}" (overlapping intervals), "Holidays", "OutOfOfficeMessage", "Language".
/// </summary>
public static class BusinessHoursRules
{
    public const int MaxMessageLength = 1000;
    public const int MaxIntervalsPerDay = 6;
    public const int MaxHolidays = 200;

    public static Dictionary<string, string> Validate(BusinessHours hours)
    {
        var errors = new Dictionary<string, string>();
        if (BusinessHours.FindZone(hours.TimeZoneId) is null)
        {
            errors[nameof(BusinessHours.TimeZoneId)] = ServerText.Get("Error.TimeZoneUnknown",
                "Fuso horário desconhecido: use um identificador IANA, como America/Sao_Paulo.");
        }

        for (var i = 0; i < hours.Intervals.Count; i++)
        {
            var interval = hours.Intervals[i];
            var start = BusinessInterval.Minutes(interval.Start);
            var end = BusinessInterval.Minutes(interval.End);
            if (!Enum.IsDefined(interval.Day))
            {
                errors[$"Interval.{i}"] = ServerText.Get("Error.DayRequired", "Escolha o dia da semana.");
            }
            else if (start is null or >= 24 * 60 || end is null)
            {
                errors[$"Interval.{i}"] = ServerText.Get("Error.IntervalTime", "Informe os horários como HH:mm (00:00 a 24:00).");
            }
            else if (end <= start)
            {
                errors[$"Interval.{i}"] = ServerText.Get("Error.IntervalInverted",
                    "O fim deve ser depois do início; para passar da meia-noite, termine às 24:00 e continue às 00:00 do dia seguinte.");
            }
        }

        foreach (var day in hours.Intervals.Select((interval, index) => (interval, index))
                     .Where(x => !errors.ContainsKey($"Interval.{x.index}"))
                     .GroupBy(x => x.interval.Day))
        {
            var sorted = day.Select(x => (Start: BusinessInterval.Minutes(x.interval.Start)!.Value, End: BusinessInterval.Minutes(x.interval.End)!.Value))
                .OrderBy(x => x.Start).ToList();
            if (sorted.Zip(sorted.Skip(1)).Any(pair => pair.Second.Start < pair.First.End))
            {
                errors[$"Day.{day.Key}"] = ServerText.Get("Error.IntervalsOverlap", "Os intervalos deste dia se sobrepõem.");
            }
            else if (sorted.Count > MaxIntervalsPerDay)
            {
                errors[$"Day.{day.Key}"] = ServerText.Get("Error.IntervalsMax", "Cada dia pode ter no máximo {0} intervalos.", MaxIntervalsPerDay);
            }
        }

        if (hours.Holidays.Count > MaxHolidays)
        {
            errors[nameof(BusinessHours.Holidays)] = ServerText.Get("Error.HolidaysMax", "São no máximo {0} feriados.", MaxHolidays);
        }

        if (hours.Language is not (BusinessHours.Portuguese or BusinessHours.English))
        {
            errors[nameof(BusinessHours.Language)] = ServerText.Get("Error.LanguageRequired", "Escolha português ou inglês.");
        }

        if (hours.OutOfOfficeMessage is { } message && message.Trim().Length > MaxMessageLength)
        {
            errors[nameof(BusinessHours.OutOfOfficeMessage)] = ServerText.Get("Error.MessageMaxLength", "A mensagem pode ter no máximo {0} caracteres.", MaxMessageLength);
        }

        return errors;
    }

    /// <summary>What is stored is what is used: times as HH:mm, intervals and holidays in order, a blank message as the default.</summary>
    public static BusinessHours Normalize(BusinessHours hours) => hours with
    {
        TimeZoneId = hours.TimeZoneId.Trim(),
        Intervals = [.. hours.Intervals
            .Select(i => i with { Start = Format(BusinessInterval.Minutes(i.Start)!.Value), End = Format(BusinessInterval.Minutes(i.End)!.Value) })
            .OrderBy(i => ((int)i.Day + 6) % 7).ThenBy(i => i.Start, StringComparer.Ordinal)],
        Holidays = [.. hours.Holidays.Distinct().Order()],
        OutOfOfficeMessage = string.IsNullOrWhiteSpace(hours.OutOfOfficeMessage) ? null : hours.OutOfOfficeMessage.Trim(),
    };

    public static string Format(int minutes) => $"{minutes / 60:00}:{minutes % 60:00}";
}
