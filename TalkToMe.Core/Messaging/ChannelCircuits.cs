using System.Collections.Concurrent;

namespace TalkToMe.Core.Messaging;

/// <summary>How a claimed message goes out: normally, or as the one probe of a channel whose endpoint was failing.</summary>
public enum SendMode
{
    Normal,
    Probe,
}

/// <summary>
/// The dispatcher's per-channel back-off (in memory; after a restart every channel starts closed and the first failure
/// opens it again). A transient failure opens the channel's circuit: nothing more goes to that endpoint until the probe
/// time, then exactly one message probes it; a failed probe doubles the wait (up to <see cref="OutboundOptions.MaxProbeDelay"/>),
/// a success closes the circuit and the queue drains. One message that keeps failing while the channel accepts others
/// (a "poison" message) backs off on its own instead, so it neither hammers the endpoint nor holds up other conversations.
/// </summary>
public sealed class ChannelCircuits(OutboundOptions options)
{
    private readonly object _gate = new();
    private readonly Dictionary<int, Circuit> _open = [];

    // Failures of a message sent on a working (closed) channel. The first one may be the start of an outage; a second one,
    // after the channel worked in between, says the trouble is the message.
    private readonly ConcurrentDictionary<long, int> _strikes = new();

    /// <summary>Channels that may not send now: waiting for their probe time, or with a probe in flight.</summary>
    public List<int> Blocked(DateTime now)
    {
        lock (_gate)
        {
            return _open.Where(c => c.Value.Probing || c.Value.OpenUntil > now).Select(c => c.Key).ToList();
        }
    }

    /// <summary>
    /// The earliest time a waiting channel may be probed again (null when none waits). A channel whose probe time has
    /// passed is not waiting: its due messages are found like any others (and with none, nothing is to be done).
    /// </summary>
    public DateTime? NextProbe(DateTime now)
    {
        lock (_gate)
        {
            return _open.Values.Where(c => !c.Probing && c.OpenUntil > now).Select(c => (DateTime?)c.OpenUntil).Min();
        }
    }

    /// <summary>Whether a message of this channel may be sent now, and how; null when the channel must wait.</summary>
    public SendMode? TryEnter(int channelId, DateTime now)
    {
        lock (_gate)
        {
            if (!_open.TryGetValue(channelId, out var circuit))
            {
                return SendMode.Normal;
            }

            if (circuit.Probing || circuit.OpenUntil > now)
            {
                return null;
            }

            circuit.Probing = true;
            return SendMode.Probe;
        }
    }

    /// <summary>The claimed message was not sent after all (claim lost, message gone, app stopping): another may probe.</summary>
    public void Abandon(int channelId, SendMode mode)
    {
        if (mode != SendMode.Probe)
        {
            return;
        }

        lock (_gate)
        {
            if (_open.TryGetValue(channelId, out var circuit))
            {
                circuit.Probing = false;
            }
        }
    }

    /// <summary>Records what the endpoint answered; for a transient failure returns how long the message waits before its next try.</summary>
    public TimeSpan Record(int channelId, long messageId, SendMode mode, SendResult result, DateTime now)
    {
        lock (_gate)
        {
            _open.TryGetValue(channelId, out var circuit);
            if (result.Succeeded)
            {
                // Any success shows the endpoint works: the whole queue may go.
                _open.Remove(channelId);
                _strikes.TryRemove(messageId, out _);
                return TimeSpan.Zero;
            }

            if (result.Permanent)
            {
                // The message is refused, not the endpoint down: the next due message may probe at once.
                _strikes.TryRemove(messageId, out _);
                if (circuit is not null && mode == SendMode.Probe)
                {
                    circuit.Probing = false;
                }

                return TimeSpan.Zero;
            }

            var asked = result.RetryAfter ?? TimeSpan.Zero;
            if (mode == SendMode.Normal)
            {
                var strikes = _strikes.AddOrUpdate(messageId, 1, (_, n) => n + 1);
                if (strikes >= 2)
                {
                    // Poison: its own growing delay; the channel stays as it is for everyone else.
                    var own = options.RetryDelayAfter(strikes - 1, options.MaxRetryDelay);
                    var channelWait = circuit is null ? TimeSpan.Zero : circuit.OpenUntil - now;
                    return Max(own, Max(channelWait, asked));
                }

                // Sends already in flight when the first failure opened the circuit do not push its probe time further.
                circuit ??= _open[channelId] = new Circuit { Failures = 1, OpenUntil = now + options.ProbeDelayAfter(1) };
            }
            else
            {
                circuit ??= _open[channelId] = new Circuit();
                circuit.Failures++;
                circuit.OpenUntil = now + options.ProbeDelayAfter(circuit.Failures);
                circuit.Probing = false;
            }

            if (now + asked > circuit.OpenUntil)
            {
                // A provider's rate limit is for the whole channel: probing earlier only earns another refusal.
                circuit.OpenUntil = now + asked;
            }

            return Max(circuit.OpenUntil - now, TimeSpan.Zero);
        }
    }

    /// <summary>The message is done for good (failed): its strikes no longer matter.</summary>
    public void Forget(long messageId) => _strikes.TryRemove(messageId, out _);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed class Circuit
    {
        public int Failures { get; set; }
        public DateTime OpenUntil { get; set; }
        public bool Probing { get; set; }
    }
}
