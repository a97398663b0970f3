using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

public enum AssigneeFilter
{
    All,
    Mine,
    Unassigned,
}

/// <summary>
/// What the agent picked in the inbox: a status tab, an assignee tab and optional filters. Conversations on a Chatbot
/// channel are an admin's test chats (the Chatbot channel is TalkToMe's own test chat, no customer reaches it): they stay
/// out unless the agent picks that channel in <see cref="ChannelId"/>.
/// </summary>
public sealed record InboxFilter
{
    public ConversationStatus? Status { get; init; } = ConversationStatus.Open;
    public AssigneeFilter Assignee { get; init; } = AssigneeFilter.All;
    public string? CurrentAgentId { get; init; }
    public int? ChannelId { get; init; }
    public int? ChannelGroupId { get; init; }
    public int? LabelId { get; init; }
    public string? Search { get; init; }
}

/// <summary>Where the previous page ended: the last row's (LastActivityAt, Id). Keyset paging, never OFFSET.</summary>
public sealed record InboxCursor(DateTime LastActivityAt, int Id);

public sealed record ConversationListItem(
    int Id,
    string ContactName,
    int ChannelId,
    string ChannelName,
    ChannelType ChannelType,
    string? LastMessagePreview,
    DateTime LastActivityAt,
    int UnreadCount,
    ConversationStatus Status,
    string? AssigneeId,
    string? AssigneeName,
    ConversationPriority Priority)
{
    public InboxCursor Cursor => new(LastActivityAt, Id);
}

public sealed record InboxPage(IReadOnlyList<ConversationListItem> Items, InboxCursor? Next);

/// <summary>Reads the conversation list: one indexed range scan per page, newest activity first.</summary>
public sealed class InboxQuery(IDbContextFactory<TalkToMeDbContext> factory)
{
    public const int DefaultPageSize = 50;

    public async Task<InboxPage> ListAsync(InboxFilter filter, InboxCursor? after = null, int pageSize = DefaultPageSize,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = Apply(db, filter);

        if (after is not null)
        {
            query = query.Where(c => c.LastActivityAt < after.LastActivityAt
                || (c.LastActivityAt == after.LastActivityAt && c.Id < after.Id));
        }

        var rows = await Project(db, Page(query, pageSize)).ToListAsync(cancellationToken);

        var hasMore = rows.Count > pageSize;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return new InboxPage(rows, hasMore ? rows[^1].Cursor : null);
    }

    /// <summary>The first page's SQL, for diagnostics (the inbox-list benchmark prints it with SQLite's query plan).</summary>
    public async Task<string> FirstPageSqlAsync(InboxFilter filter)
    {
        await using var db = await factory.CreateDbContextAsync();
        return Project(db, Page(Apply(db, filter), DefaultPageSize)).ToQueryString();
    }

    // Newest activity first, one row more than the page to tell whether another page follows.
    private static IQueryable<Conversation> Page(IQueryable<Conversation> query, int pageSize) =>
        query.OrderByDescending(c => c.LastActivityAt).ThenByDescending(c => c.Id).Take(pageSize + 1);

    /// <summary>One conversation as the list shows it, or null when it does not match the filter (any more).</summary>
    public async Task<ConversationListItem?> FindAsync(int conversationId, InboxFilter filter,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await Project(db, Apply(db, filter).Where(c => c.Id == conversationId)).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The list rows of the given conversations, without any filter (one query, however many ids).</summary>
    public async Task<IReadOnlyList<ConversationListItem>> FindManyAsync(IReadOnlyCollection<int> conversationIds,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await Project(db, db.Conversations.Where(c => conversationIds.Contains(c.Id))).ToListAsync(cancellationToken);
    }

    /// <summary>True when a list row alone cannot tell whether it matches: group, label and search read with the filter.</summary>
    public static bool NeedsRead(InboxFilter filter) =>
        filter.ChannelGroupId is not null || filter.LabelId is not null || !string.IsNullOrWhiteSpace(filter.Search);

    /// <summary>
    /// The changed conversation as one open inbox shows it, from the row <see cref="InboxFeed"/> read once for every
    /// inbox: matched in memory; only group, label and search filters, which the row does not carry, read again.
    /// </summary>
    public async Task<ConversationListItem?> FindForChangeAsync(InboxRowChange change, InboxFilter filter)
    {
        if (NeedsRead(filter))
        {
            return await FindAsync(change.ConversationId, filter);
        }

        return change.Row is { } row && Matches(row, filter) ? row : null;
    }

    public static bool Matches(ConversationListItem item, InboxFilter filter) =>
        (filter.Status is null || item.Status == filter.Status)
        && (filter.ChannelId is null ? !IsTestChat(item.ChannelType) : item.ChannelId == filter.ChannelId)
        && filter.Assignee switch
        {
            AssigneeFilter.Mine => item.AssigneeId == filter.CurrentAgentId,
            AssigneeFilter.Unassigned => item.AssigneeId is null,
            _ => true,
        };

    /// <summary>A Chatbot channel's conversations are test chats (see <see cref="InboxFilter"/>).</summary>
    public static bool IsTestChat(ChannelType channelType) => channelType == ChannelType.Chatbot;

    private static IQueryable<ConversationListItem> Project(TalkToMeDbContext db, IQueryable<Conversation> query) =>
        query.Select(c => new ConversationListItem(
                c.Id,
                c.Contact.Name,
                c.ChannelId,
                c.Channel.Name,
                c.Channel.Type,
                c.LastMessagePreview,
                c.LastActivityAt,
                c.UnreadCount,
                c.Status,
                c.AssigneeId,
                db.Users.Where(u => u.Id == c.AssigneeId).Select(u => u.DisplayName).FirstOrDefault(),
                c.Priority))
            .AsNoTracking();

    private static IQueryable<Conversation> Apply(TalkToMeDbContext db, InboxFilter filter)
    {
        var query = db.Conversations.AsQueryable();
        if (filter.Status is { } status)
        {
            query = query.Where(c => c.Status == status);
        }

        query = filter.Assignee switch
        {
            AssigneeFilter.Mine => query.Where(c => c.AssigneeId == filter.CurrentAgentId),
            AssigneeFilter.Unassigned => query.Where(c => c.AssigneeId == null),
            _ => query,
        };

        if (filter.ChannelId is { } channelId)
        {
            query = query.Where(c => c.ChannelId == channelId);
        }
        else
        {
            // A primary-key lookup per row the keyset scan reads anyway; the scan still runs on IX_Conversations_Inbox.
            query = query.Where(c => c.Channel.Type != ChannelType.Chatbot);
        }

        if (filter.ChannelGroupId is { } groupId)
        {
            query = query.Where(c => c.Channel.Groups.Any(g => g.Id == groupId));
        }

        if (filter.LabelId is { } labelId)
        {
            query = query.Where(c => c.Labels.Any(l => l.Id == labelId));
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var pattern = "%" + filter.Search.Trim() + "%";
            // Case-insensitive on both engines: SQLite's LIKE already is (for ASCII), PostgreSQL's needs ILIKE.
            query = db.Database.IsNpgsql()
                ? query.Where(c => EF.Functions.ILike(c.Contact.Name, pattern)
                    || db.Messages.Any(m => m.ConversationId == c.Id && EF.Functions.ILike(m.Content, pattern)))
                : query.Where(c => EF.Functions.Like(c.Contact.Name, pattern)
                    || db.Messages.Any(m => m.ConversationId == c.Id && EF.Functions.Like(m.Content, pattern)));
        }

        return query;
    }
}
