using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations.Search;
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

    /// <summary>In a search: an excerpt of the newest message that matched, shown instead of the last message.</summary>
    public string? MatchedText { get; init; }
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
        var query = Apply(db, filter, await PlanSearchAsync(db, filter, cancellationToken));

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

        if (SearchTerms.Parse(filter.Search) is { IsEmpty: false } terms && rows.Count > 0)
        {
            rows = await WithMatchedTextAsync(db, terms, rows, cancellationToken);
        }

        return new InboxPage(rows, hasMore ? rows[^1].Cursor : null);
    }

    /// <summary>The first page's SQL, for diagnostics (the inbox-list benchmark prints it with SQLite's query plan).</summary>
    public async Task<string> FirstPageSqlAsync(InboxFilter filter)
    {
        await using var db = await factory.CreateDbContextAsync();
        return Project(db, Page(Apply(db, filter, await PlanSearchAsync(db, filter, CancellationToken.None)), DefaultPageSize)).ToQueryString();
    }

    // Newest activity first, one row more than the page to tell whether another page follows.
    private static IQueryable<Conversation> Page(IQueryable<Conversation> query, int pageSize) =>
        query.OrderByDescending(c => c.LastActivityAt).ThenByDescending(c => c.Id).Take(pageSize + 1);

    /// <summary>One conversation as the list shows it, or null when it does not match the filter (any more).</summary>
    public async Task<ConversationListItem?> FindAsync(int conversationId, InboxFilter filter,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await Project(db, Apply(db, filter, SearchPlan.PerConversation).Where(c => c.Id == conversationId))
            .FirstOrDefaultAsync(cancellationToken);
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

    /// <summary>Each row's newest matching message as an excerpt (one read for the page; rows found by name may have none).</summary>
    private static async Task<List<ConversationListItem>> WithMatchedTextAsync(TalkToMeDbContext db, SearchTerms terms,
        List<ConversationListItem> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var newest = NewestMatchPerConversation(db, terms, ids);
        var texts = await db.Messages.AsNoTracking().Where(m => newest.Contains(m.Id))
            .Select(m => new { m.ConversationId, m.Content }).ToDictionaryAsync(m => m.ConversationId, m => m.Content, cancellationToken);
        return rows.Select(r => texts.TryGetValue(r.Id, out var text) ? r with { MatchedText = terms.Snippet(text) } : r).ToList();
    }

    /// <summary>The id of each listed conversation's newest matching message: from the conversations' own messages.</summary>
    private static IQueryable<long> NewestMatchPerConversation(TalkToMeDbContext db, SearchTerms terms, List<int> conversationIds)
    {
        var matching = db.Database.IsNpgsql()
            ? db.Messages.FromSql($"""
                SELECT * FROM "Messages" WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({terms.ToTsQuery()}))
                """)
            // The page's messages first, each checked by rowid (CROSS JOIN fixes that order for SQLite's planner).
            : db.Messages.FromSql($"""
                SELECT m.* FROM "Messages" AS m CROSS JOIN "MessageSearch" AS s ON s.rowid = m."Id" WHERE s."MessageSearch" MATCH {terms.ToFts5()}
                """);
        return matching.Where(m => conversationIds.Contains(m.ConversationId)).GroupBy(m => m.ConversationId).Select(g => g.Max(m => m.Id));
    }

    /// <summary>The conversations whose contact or one of whose messages has every word, checked row by row.</summary>
    private static IQueryable<Conversation> MatchingPerConversation(TalkToMeDbContext db, SearchTerms terms)
    {
        if (db.Database.IsNpgsql())
        {
            var query = terms.ToTsQuery();
            return db.Conversations.FromSql($"""
                SELECT * FROM "Conversations" AS c
                WHERE c."ContactId" IN (SELECT "Id" FROM "Contacts" WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({query})))
                   OR EXISTS (SELECT 1 FROM "Messages" AS m WHERE m."ConversationId" = c."Id"
                              AND m."SearchVector" @@ to_tsquery('simple', ttm_unaccent({query})))
                """);
        }

        var match = terms.ToFts5();
        // FTS5 answers "does this message match" from its index when given the rowid with the MATCH; CROSS JOIN keeps
        // SQLite's planner from turning it around (scanning every match for every conversation).
        return db.Conversations.FromSql($"""
            SELECT * FROM "Conversations" AS c
            WHERE c."ContactId" IN (SELECT rowid FROM "ContactSearch" WHERE "ContactSearch" MATCH {match})
               OR EXISTS (SELECT 1 FROM "Messages" AS m CROSS JOIN "MessageSearch" AS s ON s.rowid = m."Id"
                          WHERE m."ConversationId" = c."Id" AND s."MessageSearch" MATCH {match})
            """);
    }

    /// <summary>Ids of the contacts whose name has every word (the engine's full-text index).</summary>
    private static IQueryable<int> MatchingContacts(TalkToMeDbContext db, SearchTerms terms) => db.Database.IsNpgsql()
        ? db.Database.SqlQuery<int>($"""
            SELECT "Id" AS "Value" FROM "Contacts" WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({terms.ToTsQuery()}))
            """)
        : db.Database.SqlQuery<int>($"""
            SELECT rowid AS "Value" FROM "ContactSearch" WHERE "ContactSearch" MATCH {terms.ToFts5()}
            """);

    /// <summary>Ids of the messages that have every word.</summary>
    private static IQueryable<long> MatchingMessages(TalkToMeDbContext db, SearchTerms terms) => db.Database.IsNpgsql()
        ? db.Database.SqlQuery<long>($"""
            SELECT "Id" AS "Value" FROM "Messages" WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({terms.ToTsQuery()}))
            """)
        : db.Database.SqlQuery<long>($"""
            SELECT rowid AS "Value" FROM "MessageSearch" WHERE "MessageSearch" MATCH {terms.ToFts5()}
            """);

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

    /// <summary>
    /// How a search finds its conversations. A word few messages have: from its matches (the full-text index gives a
    /// short list of messages, so of conversations). A word many have (say "pedido" in a shop's inbox): along the list's
    /// own order, asking each conversation whether one of its messages matches, which finds a page after a few dozen.
    /// </summary>
    private enum SearchPlan
    {
        FromMatches,
        PerConversation,
    }

    /// <summary>Messages a word may match and still be searched from its matches.</summary>
    private const int FewMatches = 2_000;

    private static async Task<SearchPlan> PlanSearchAsync(TalkToMeDbContext db, InboxFilter filter, CancellationToken cancellationToken)
    {
        if (SearchTerms.Parse(filter.Search) is not { IsEmpty: false } terms)
        {
            return SearchPlan.FromMatches;
        }

        var matches = await MatchingMessages(db, terms).Take(FewMatches).CountAsync(cancellationToken);
        return matches < FewMatches ? SearchPlan.FromMatches : SearchPlan.PerConversation;
    }

    private static IQueryable<Conversation> Apply(TalkToMeDbContext db, InboxFilter filter, SearchPlan plan)
    {
        var terms = SearchTerms.Parse(filter.Search);
        var query = !terms.IsEmpty && plan == SearchPlan.PerConversation ? MatchingPerConversation(db, terms) : db.Conversations.AsQueryable();
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

        if (!terms.IsEmpty && plan == SearchPlan.FromMatches)
        {
            var contacts = MatchingContacts(db, terms);
            var messages = MatchingMessages(db, terms);
            query = query.Where(c => contacts.Contains(c.ContactId)
                || db.Messages.Where(m => messages.Contains(m.Id)).Select(m => m.ConversationId).Contains(c.Id));
        }
        else if (terms.IsEmpty && !string.IsNullOrWhiteSpace(filter.Search))
        {
            // Nothing searchable (only punctuation or emoji): no conversation has such a word.
            query = query.Where(c => false);
        }

        return query;
    }
}
