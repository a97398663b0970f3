namespace TalkToMe.Core.KeepAlive;

/// <summary>Where a conversation stands in its channel's Keep Alive cycle.</summary>
public enum KeepAliveStage
{
    None = 0,

    /// <summary>Waiting for the inactivity timeout since the customer's last message.</summary>
    AwaitingInactivity = 1,

    /// <summary>The inactivity message went out; waiting for the finalization timeout.</summary>
    AwaitingFinalization = 2,
}
