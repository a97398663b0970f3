using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.KeepAlive;

/// <summary>
/// Keep Alive's clock rules, applied by whoever changes a conversation (seed 000): only a customer message
/// restarts the count; agent and bot messages do not.
/// </summary>
public static class KeepAliveSchedule
{
    /// <summary>A customer message arrived: start over from the inactivity timeout (or clear, when Keep Alive does not apply).</summary>
    public static void OnCustomerMessage(Conversation conversation, Channel channel, DateTime at)
    {
        if (Applies(conversation, channel))
        {
            conversation.ScheduleKeepAlive(KeepAliveStage.AwaitingInactivity, InactivityDue(channel, at));
        }
        else
        {
            conversation.ClearKeepAlive();
        }
    }

    /// <summary>When the inactivity message is due after a customer message at <paramref name="from"/>.</summary>
    public static DateTime InactivityDue(Channel channel, DateTime from) => Deadline(channel, from, channel.KeepAlive.InactivityTimeout);

    /// <summary>When the finalization is due after the inactivity message went out at <paramref name="from"/>.</summary>
    public static DateTime FinalizationDue(Channel channel, DateTime from) => Deadline(channel, from, channel.KeepAlive.FinalizationTimeout);

    /// <summary>
    /// "Contar só no horário de atendimento": the timeout runs only while the channel is open, so a customer who goes quiet
    /// at 17:55 is not closed overnight. Otherwise (and when business hours are off) it is plain wall-clock time.
    /// </summary>
    public static bool CountsBusinessTime(Channel channel) =>
        channel.GetBusinessHours() is { IsEnabled: true, KeepAliveBusinessTimeOnly: true };

    private static DateTime Deadline(Channel channel, DateTime from, TimeSpan timeout) =>
        CountsBusinessTime(channel) ? channel.GetBusinessHours().AddBusinessTime(from, timeout) : from + timeout;

    /// <summary>Keep Alive runs on open conversations of channels that are Ativo with Keep Alive saved and activated.</summary>
    public static bool Applies(Conversation conversation, Channel channel) =>
        AppliesOn(channel) && conversation.Status is ConversationStatus.Open or ConversationStatus.Pending;

    /// <summary>The channel's half of <see cref="Applies"/>: Ativo, Keep Alive saved and activated with both timeouts.</summary>
    public static bool AppliesOn(Channel channel) =>
        channel.CanReceive
        && channel.KeepAlive.IsEnabled
        && channel.KeepAlive.InactivityAmount > 0
        && channel.KeepAlive.FinalizationAmount > 0;
}
