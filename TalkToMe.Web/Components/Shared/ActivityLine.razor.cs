using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Web.Components.Shared;

public partial class ActivityLine
{
    /// <summary>The stored pt-BR sentence: what old rows (no data) show.</summary>
    [Parameter, EditorRequired]
    public string Content { get; set; } = "";

    [Parameter]
    public ActivityData? Activity { get; set; }

    /// <summary>The reader's time zone for times in the line (snoozed until); Brasília unless the page knows better.</summary>
    [Parameter]
    public TimeZoneInfo? TimeZone { get; set; }

    [Parameter]
    public string? Class { get; set; } = "ttm-message-content";

    [Parameter]
    public string TestId { get; set; } = "message-text";

    private string Text => Activity is null ? Content : Format(Activity, L, TimeZone ?? ActivityText.Brasilia);

    /// <summary>The line in the current UI culture, from the resource files; times in <paramref name="zone"/> in the culture's format.</summary>
    public static string Format(ActivityData activity, IStringLocalizer localizer, TimeZoneInfo zone)
    {
        var actor = activity.Actor ?? localizer["Activity.System"];
        string Say(string key, params object?[] args) => string.Format(CultureInfo.CurrentCulture, localizer[key], args);

        return activity.Kind switch
        {
            ActivityKind.Assigned => Say("Activity.Assigned", activity.Assignee, actor),
            ActivityKind.AutoAssigned or ActivityKind.ReturnedToQueue => Say($"Activity.{activity.Kind}", activity.Assignee),
            ActivityKind.Snoozed => Say("Activity.Snoozed", Time(activity.Until, localizer, zone), actor),
            ActivityKind.PriorityChanged => Say("Activity.PriorityChanged",
                localizer[$"Activity.Priority.{activity.Priority ?? ConversationPriority.None}"], actor),
            ActivityKind.LabelAdded or ActivityKind.LabelRemoved => Say($"Activity.{activity.Kind}", activity.Label, actor),
            ActivityKind.MacroRun => Say("Activity.MacroRun", activity.Name, actor),
            ActivityKind.EntryFlowStarted or ActivityKind.ExitFlowStarted => Say($"Activity.{activity.Kind}", activity.Name),
            ActivityKind.BotHandedOff => localizer["Activity.BotHandedOff"]
                + (activity.Group is null ? "" : Say("Activity.BotHandedOffGroup", activity.Group))
                + (activity.Agent is null ? "" : Say("Activity.BotHandedOffAgent", activity.Agent)),
            ActivityKind.Rated => Say("Activity.Rated", activity.Score),
            ActivityKind.SnoozeEnded or ActivityKind.FlowStopped or ActivityKind.BotResolved
                or ActivityKind.KeepAliveInactivitySent or ActivityKind.KeepAliveClosed
                or ActivityKind.RatingRequested => localizer[$"Activity.{activity.Kind}"],
            // Resolved, Reopened, Unassigned, Started, MessageSent, NoteAdded: "… by {actor}".
            _ => Say($"Activity.{activity.Kind}", actor),
        };
    }

    private static string Time(DateTime? utc, IStringLocalizer localizer, TimeZoneInfo zone) =>
        utc is { } at
            ? ActivityText.LocalTime(at, zone).ToString(localizer["Activity.TimeFormat"], CultureInfo.CurrentCulture)
            : "";
}
