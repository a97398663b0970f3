namespace TalkToMe.Core.Messaging;

/// <summary>
/// Wakes the outbound dispatcher when a pending message is committed, so it sends at once instead of polling.
/// Whoever commits an outgoing message calls <see cref="Notify"/> after the commit.
/// </summary>
public sealed class OutboxSignal : WakeSignal;
