namespace TalkToMe.Core.Hours;

/// <summary>
/// What the website widget tells a visitor about when to expect an answer, in the channel's language (the widget speaks
/// to customers, not in the admin's UI culture): "Normalmente respondemos em poucos minutos" while open, "Voltamos às
/// 08:00" when the channel opens again today, "Voltamos segunda às 08:00" within the week, else with the date.
/// Null when business hours are off: the widget then promises nothing.
/// </summary>
public static class ReplyTime
{
    private static readonly string[] DaysPt = ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"];

    public static string? Text(BusinessHours hours, DateTime utc) => Text(BusinessHoursStatus.Of(hours, utc));

    public static string? Text(BusinessHoursStatus status)
    {
        var english = status.Language == BusinessHours.English;
        if (!status.IsEnabled)
        {
            return null;
        }

        if (status.IsOpen)
        {
            return english ? "We usually reply in a few minutes" : "Normalmente respondemos em poucos minutos";
        }

        if (status.NextOpeningLocal is not { } next)
        {
            return english ? "We will reply as soon as possible" : "Responderemos assim que possível";
        }

        var time = next.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        if (status.OpensToday)
        {
            return english ? $"We are back at {time}" : $"Voltamos às {time}";
        }

        if (status.OpensThisWeek)
        {
            return english ? $"We are back on {next.DayOfWeek} at {time}" : $"Voltamos {DaysPt[(int)next.DayOfWeek]} às {time}";
        }

        return english ? $"We are back on {next:MM/dd} at {time}" : $"Voltamos em {next:dd/MM} às {time}";
    }
}
