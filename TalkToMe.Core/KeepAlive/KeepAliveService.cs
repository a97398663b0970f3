using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Core.KeepAlive;

/// <summary>
/// The hosted loop around <see cref="KeepAliveEngine"/>: run a pass, then sleep until the next deadline or until a
/// change wakes it (<see cref="KeepAliveSignal"/>). On start the first pass picks up whatever fell due while the app was down.
/// </summary>
public sealed class KeepAliveService(KeepAliveEngine engine, KeepAliveSignal signal, TimeProvider time, ILogger<KeepAliveService> logger)
    : BackgroundService
{
    // A safety net, not a poll: another app instance may have scheduled an earlier deadline that this one was not told about.
    public static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await engine.WarmUpAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Only a head start: the first batch compiles the query itself if this failed.
            logger.LogWarning(ex, "Keep Alive warm-up failed");
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan sleep;
            try
            {
                var pass = await engine.RunPassAsync(stoppingToken);
                sleep = pass.MoreDue ? TimeSpan.Zero : SleepUntil(pass.NextDueAt);
                logger.LogDebug("Keep Alive pass: {Sent} handled, next {Next:O}, sleeping {Sleep} ms", pass.Sent, pass.NextDueAt, sleep.TotalMilliseconds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Keep Alive pass failed; trying again shortly");
                sleep = TimeSpan.FromSeconds(5);
            }

            if (sleep > TimeSpan.Zero)
            {
                try
                {
                    await signal.WaitAsync(sleep, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public TimeSpan SleepUntil(DateTime? nextDueAt)
    {
        if (nextDueAt is not { } next)
        {
            return MaxSleep;
        }

        var wait = next - time.GetUtcNow().UtcDateTime;
        if (wait <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Timers may fire a little early; a few milliseconds more avoids a pass that finds nothing yet.
        wait += TimeSpan.FromMilliseconds(5);
        return wait < MaxSleep ? wait : MaxSleep;
    }
}
