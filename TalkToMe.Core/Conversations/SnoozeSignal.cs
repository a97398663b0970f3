namespace TalkToMe.Core.Conversations;

/// <summary>
/// Wakes the snooze wake-up service (<see cref="SnoozeWakeService"/>) when a snooze is stored, so it recomputes when the
/// next one ends instead of sleeping past it. Raised after the commit by the unit of work that stored the snooze.
/// </summary>
public sealed class SnoozeSignal : WakeSignal;
