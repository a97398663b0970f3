using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

/// <summary>Who does something to a conversation: an agent (with id and name) or the system (Keep Alive, a flow).</summary>
public sealed record Actor(string? UserId, string Name, bool IsAdmin = false)
{
    public static readonly Actor System = new(null, "Sistema");
    public static readonly Actor Bot = new(null, "Bot");

    /// <summary>How a message this actor writes is marked: an agent's, the bot's, or the system's (Keep Alive, flows).</summary>
    public SenderType SenderType => UserId is not null ? SenderType.Agent : ReferenceEquals(this, Bot) ? SenderType.Bot : SenderType.System;
}
