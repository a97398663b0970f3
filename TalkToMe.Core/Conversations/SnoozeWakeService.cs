using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// Reopens snoozed conversations when their time comes. Sleeps until the earliest SnoozedUntil (partial index
/// IX_Conversations_SnoozedUntil) or until <see cref="SnoozeSignal"/> says a new snooze was stored; after a restart,
/// overdue ones reopen at once.
/// </summary>
public sealed class SnoozeWakeService(SnoozeService snoozes, SnoozeSignal signal, TimeProvider time, ILogger<SnoozeWakeService> logger)
    : BackgroundService
{
    /// <summary>A snooze set on another node does not signal this one: it is found by looking (an indexed query) this often.</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = MaxSleep;
            try
            {
                // This pass reads the database: a snooze stored before now is in what it reads.
                signal.TryTake();
                await snoozes.WakeDueAsync(stoppingToken);
                if (await snoozes.NextEndAsync(stoppingToken) is { } next)
                {
                    var until = next - time.GetUtcNow().UtcDateTime;
                    sleep = until <= TimeSpan.Zero ? TimeSpan.Zero : until < MaxSleep ? until : MaxSleep;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Waking snoozed conversations failed; trying again shortly");
                sleep = TimeSpan.FromSeconds(5);
            }

            await signal.SleepAsync(sleep, time, stoppingToken);
        }
    }
}
