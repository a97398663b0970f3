using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// The end of snoozes: which conversations are due (partial index IX_Conversations_SnoozedUntil) and reopening them. Agents
/// snooze through <see cref="ConversationCommands.SnoozeAsync"/>, which wakes <see cref="SnoozeWakeService"/> through
/// <see cref="SnoozeSignal"/>.
/// </summary>
public sealed class SnoozeService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, TimeProvider time)
{
    private const int MaxPerPass = 500;

    /// <summary>The snoozed conversations whose time has come: each reopens in its own unit of work.</summary>
    /// <returns>How many were due (some may have been reopened or snoozed again by an agent meanwhile).</returns>
    public async Task<int> WakeDueAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        List<int> due;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            due = await db.Conversations
                .Where(c => c.SnoozedUntil != null && c.SnoozedUntil <= now && c.Status == ConversationStatus.Snoozed)
                .OrderBy(c => c.SnoozedUntil)
                .Select(c => c.Id)
                .Take(MaxPerPass)
                .ToListAsync(cancellationToken);
        }

        foreach (var id in due)
        {
            // Checked again inside the unit (EndSnooze): an agent may have reopened or re-snoozed it meanwhile.
            await units.ChangeConversationAsync(id, (unit, conversation) =>
                unit.Record(conversation, conversation.EndSnooze(now), time.GetUtcNow().UtcDateTime),
                cancellationToken);
        }

        return due.Count;
    }

    /// <summary>The earliest snooze end still ahead (or overdue), for the wake-up service's sleep.</summary>
    public async Task<DateTime?> NextEndAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.Where(c => c.SnoozedUntil != null)
            .OrderBy(c => c.SnoozedUntil)
            .Select(c => c.SnoozedUntil)
            .FirstOrDefaultAsync(cancellationToken);
    }
}
