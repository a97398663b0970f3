using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

/// <summary>Another agent's reply to the customer: who and when.</summary>
public sealed record RecentReply(long MessageId, string AgentName, DateTime At);

/// <summary>
/// Two agents answering the same customer at once: before a reply goes out, the reply box asks whether another agent
/// replied meanwhile. Read from the database, not from the live events, so it holds across nodes and after a reconnect.
/// </summary>
public sealed class ReplyCollisions(IDbContextFactory<TalkToMeDbContext> factory, TimeProvider time)
{
    /// <summary>Replies this recent count even when the agent began the draft after them: they may not have read them yet.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The newest customer-visible reply by an agent other than <paramref name="userId"/> since the draft began, or in the
    /// last <see cref="RecentWindow"/>, whichever is earlier; null when there is none.
    /// </summary>
    public async Task<RecentReply?> LatestByAnotherAgentAsync(int conversationId, string? userId, DateTime? draftStartedAt,
        CancellationToken cancellationToken = default)
    {
        var recent = time.GetUtcNow().UtcDateTime - RecentWindow;
        var since = draftStartedAt is { } started && started < recent ? started : recent;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Newest first on (ConversationId, Id): stops at the first row older than the window in practice.
        return await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Kind == MessageKind.Text && m.Direction == MessageDirection.Outgoing
                && m.SenderType == SenderType.Agent && m.SenderId != userId && m.CreatedAt >= since)
            .OrderByDescending(m => m.Id)
            .Select(m => new RecentReply(m.Id, m.SenderName ?? "", m.CreatedAt))
            .FirstOrDefaultAsync(cancellationToken);
    }
}
