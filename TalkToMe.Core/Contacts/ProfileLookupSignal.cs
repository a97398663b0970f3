namespace TalkToMe.Core.Contacts;

/// <summary>
/// Wakes <see cref="ContactProfileService"/> when a look-up was queued on this node, so it starts at once instead of at its
/// next look at the table. Raised after the commit by the unit of work that queued it.
/// </summary>
public sealed class ProfileLookupSignal : WakeSignal;
