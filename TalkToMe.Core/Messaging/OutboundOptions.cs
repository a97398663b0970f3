namespace TalkToMe.Core.Messaging;

/// <summary>The "TalkToMe:Outbound" configuration section: how the dispatcher retries and how long a claim holds.</summary>
public sealed class OutboundOptions
{
    public const string Section = "TalkToMe:Outbound";

    /// <summary>Attempts before a message is marked failed (the first send included).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait after the first failure; doubled after each further one (2 s, 4 s, 8 s, 16 s, 32 s).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one provider call may take (HTTP timeout of the adapters).</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A claimed message is due again after this long: if the process dies mid-send, another pass (or the next start)
    /// sends it again with the same delivery id. Must exceed <see cref="SendTimeout"/>.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(60);

    public int MaxConcurrentSends { get; set; } = 8;

    public int BatchSize { get; set; } = 50;

    public TimeSpan RetryDelayAfter(int attempts)
    {
        var factor = Math.Pow(2, Math.Max(0, attempts - 1));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryBaseDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }
}
