namespace TalkToMe.Core.Messaging;

/// <summary>The "TalkToMe:Outbound" configuration section: how the dispatcher retries and how long a claim holds.</summary>
public sealed class OutboundOptions
{
    public const string Section = "TalkToMe:Outbound";

    /// <summary>
    /// How long a message keeps being retried after transient failures (counted from when it was queued, or from the
    /// agent's "tentar novamente") before it shows "falhou". An outage shorter than this loses nothing; permanent
    /// refusals (bad configuration, a 4xx the provider will never accept) still fail at once.
    /// </summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// First wait of a channel whose endpoint failed; doubled after each failed probe up to <see cref="MaxProbeDelay"/>.
    /// Also the first wait of a single message that keeps failing while its channel works (doubled up to
    /// <see cref="MaxRetryDelay"/>).
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest wait between two probes of a failing channel: the queue drains at most this long after the endpoint is
    /// back. One small request every few seconds costs a down endpoint nothing.
    /// </summary>
    public TimeSpan MaxProbeDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait before retrying one message that fails on its own while its channel accepts others.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one provider call may take (HTTP timeout of the adapters).</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one file upload to a provider may take (Telegram's and WhatsApp's multipart uploads): a 16 MB video needs
    /// longer than a text. Kept under <see cref="ClaimLease"/> so one file never outlives its message's claim.
    /// </summary>
    public TimeSpan FileSendTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// A claimed message is due again after this long: if the process dies mid-send, another pass (or the next start)
    /// sends it again with the same delivery id. Must exceed <see cref="SendTimeout"/>.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(60);

    public int MaxConcurrentSends { get; set; } = 8;

    public int BatchSize { get; set; } = 50;

    /// <summary>Wait after <paramref name="failures"/> consecutive failures: RetryBaseDelay doubled each time, at most <paramref name="max"/>.</summary>
    public TimeSpan RetryDelayAfter(int failures, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Min(30, Math.Max(0, failures - 1)));
        return TimeSpan.FromTicks((long)Math.Min(RetryBaseDelay.Ticks * factor, max.Ticks));
    }

    /// <summary>Wait of a failing channel before its next probe.</summary>
    public TimeSpan ProbeDelayAfter(int failures) => RetryDelayAfter(failures, MaxProbeDelay);
}
