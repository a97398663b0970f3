using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

/// <summary>One conversation as an integration reads it (the /api/v1 conversation API).</summary>
public sealed record ConversationDetail(
    int Id,
    int ChannelId,
    string ChannelName,
    ChannelType ChannelType,
    int ContactId,
    string ContactName,
    string? ContactEmail,
    string? ContactPhone,
    ConversationStatus Status,
    string? AssigneeId,
    string? AssigneeName,
    ConversationPriority Priority,
    IReadOnlyList<LabelRow> Labels,
    int UnreadCount,
    string? LastMessagePreview,
    DateTime CreatedAt,
    DateTime LastActivityAt,
    DateTime? LastCustomerMessageAt,
    DateTime? SnoozedUntil,
    DateTime? ResolvedAt);

/// <summary>A page of a thread in id order, and whether more follow.</summary>
public sealed record ThreadPage(IReadOnlyList<ThreadMessage> Items, bool HasMore);

/// <summary>
/// The reads of the conversation API that the inbox's own reads (<see cref="InboxQuery"/>, <see cref="InboxLookups"/>) do not
/// cover: one conversation with everything an integration shows, and a thread page. Both limited to the channels the
/// caller may see (<see cref="ChannelAccess"/>), so a conversation outside them reads as one that does not exist.
/// </summary>
public sealed class ConversationDetails(IDbContextFactory<TalkToMeDbContext> factory)
{
    public async Task<ConversationDetail?> GetAsync(int conversationId, ChannelScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Conversations.AsNoTracking().Where(c => c.Id == conversationId);
        if (scope.ChannelIds is { } allowed)
        {
            var ids = allowed.ToArray();
            query = query.Where(c => ids.Contains(c.ChannelId));
        }

        return await query.Select(c => new ConversationDetail(c.Id, c.ChannelId, c.Channel.Name, c.Channel.Type, c.ContactId, c.Contact.Name,
                c.Contact.Email, c.Contact.Phone, c.Status, c.AssigneeId,
                db.Users.Where(u => u.Id == c.AssigneeId).Select(u => u.DisplayName).FirstOrDefault(), c.Priority,
                c.Labels.OrderBy(l => l.Name).Select(l => new LabelRow(l.Id, l.Name, l.Color)).ToList(), c.UnreadCount, c.LastMessagePreview,
                c.CreatedAt, c.LastActivityAt, c.LastCustomerMessageAt, c.SnoozedUntil, c.ResolvedAt))
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> messages after <paramref name="afterId"/>, oldest first (keyset on the message id, which
    /// grows with time): notes and activity lines included, as the inbox's thread shows them. Null when the conversation is
    /// not one the caller may see.
    /// </summary>
    public async Task<ThreadPage?> MessagesAsync(int conversationId, long afterId, int limit, ChannelScope scope,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var channelId = await db.Conversations.AsNoTracking().Where(c => c.Id == conversationId).Select(c => (int?)c.ChannelId)
            .FirstOrDefaultAsync(cancellationToken);
        if (channelId is not { } channel || !scope.Allows(channel))
        {
            return null;
        }

        var rows = await InboxLookups.Project(db, db.Messages.Where(m => m.ConversationId == conversationId && m.Id > afterId)
                .OrderBy(m => m.Id).Take(limit + 1))
            .ToListAsync(cancellationToken);
        var hasMore = rows.Count > limit;
        return new ThreadPage(hasMore ? rows[..limit] : rows, hasMore);
    }
}
