using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// Reopens snoozed conversations when their time comes. Sleeps until the earliest SnoozedUntil (partial index
/// IX_Conversations_SnoozedUntil) or until a new snooze is stored; after a restart, overdue ones reopen at once.
/// </summary>
public sealed class SnoozeWakeService(ConversationService conversations, TimeProvider time, ILogger<SnoozeWakeService> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromHours(1);
    private readonly SemaphoreSlim _changed = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        conversations.SnoozesChanged += OnSnoozesChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var sleep = MaxSleep;
                try
                {
                    await conversations.WakeSnoozedAsync(stoppingToken);
                    if (await conversations.NextSnoozeEndAsync(stoppingToken) is { } next)
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

                await SleepAsync(sleep, stoppingToken);
            }
        }
        finally
        {
            conversations.SnoozesChanged -= OnSnoozesChanged;
        }
    }

    private void OnSnoozesChanged()
    {
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    private async Task SleepAsync(TimeSpan sleep, CancellationToken stoppingToken)
    {
        if (sleep == TimeSpan.Zero)
        {
            return;
        }

        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var changed = _changed.WaitAsync(wake.Token);
        var due = Task.Delay(sleep, time, wake.Token);
        await Task.WhenAny(changed, due);
        await wake.CancelAsync();
        try
        {
            await Task.WhenAll(changed, due);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
