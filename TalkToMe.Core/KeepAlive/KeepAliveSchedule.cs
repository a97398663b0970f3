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
            conversation.ScheduleKeepAlive(KeepAliveStage.AwaitingInactivity, at + channel.KeepAlive.InactivityTimeout);
        }
        else
        {
            conversation.ClearKeepAlive();
        }
    }

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
