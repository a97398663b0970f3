using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TalkToMe.Core.Agents;
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

    /// <summary>
    /// The channels the signed-in user may see (<see cref="ChannelAccess"/>): set by the page from the server's rule, never
    /// from anything the browser sends; every list, search, count and live row is limited to them.
    /// </summary>
    public ChannelScope Channels { get; init; } = ChannelScope.All;
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
        var terms = SearchTerms.Parse(filter.Search);
        await using var customPlans = terms.IsEmpty ? null : await CustomPlans.BeginAsync(db.Database, cancellationToken);
        // PostgreSQL, two words or more: the planner multiplies the words' shares, so a count of "pedido atrasado" (49,880
        // of 1,000,000 messages) is planned for 10,000 rows and goes through the GIN index, 90 ms for a bitmap of every
        // match. When the newest conversations show the words are common, the walk along the list needs no count.
        var walked = db.Database.IsNpgsql() && terms.Words.Count > 1
            ? await WalkAsync(db, filter, terms, after, pageSize, cancellationToken, onlyIfCommon: true)
            : null;
        var (plan, matching, newestMatches) = walked is null
            ? await PlanSearchAsync(db, terms, cancellationToken)
            : (SearchPlan.PerConversation, null, null);
        IQueryable<Conversation> query;
        if (plan == SearchPlan.PerConversation)
        {
            (var ids, newestMatches) = walked ?? (await WalkAsync(db, filter, terms, after, pageSize, cancellationToken))!.Value;
            query = db.Conversations.Where(c => ids.Contains(c.Id));
        }
        else
        {
            query = PickedFromIndex(db, After(Apply(db, filter, plan, matching), after), pageSize);
        }

        var rows = await Project(db, Page(query, pageSize)).ToListAsync(cancellationToken);

        var hasMore = rows.Count > pageSize;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        if (!terms.IsEmpty && rows.Count > 0)
        {
            rows = await WithMatchedTextAsync(db, terms, rows, newestMatches, cancellationToken);
        }

        return new InboxPage(rows, hasMore ? rows[^1].Cursor : null);
    }

    /// <summary>
    /// The first page's SQL, for diagnostics (the benchmarks print it with the engine's plan). For a word in many
    /// messages that is the walk along the list (<see cref="WalkAsync"/>); its per-chunk lookups are not included.
    /// </summary>
    public async Task<string> FirstPageSqlAsync(InboxFilter filter)
    {
        await using var db = await factory.CreateDbContextAsync();
        var (plan, matching, _) = await PlanSearchAsync(db, SearchTerms.Parse(filter.Search), CancellationToken.None);
        return plan == SearchPlan.PerConversation
            ? Page(Apply(db, filter with { Search = null }, SearchPlan.FromMatches), 2 * DefaultPageSize + 1)
                .Select(c => new { c.Id, c.LastActivityAt }).ToQueryString()
            : Project(db, Page(PickedFromIndex(db, Apply(db, filter, plan, matching), DefaultPageSize), DefaultPageSize)).ToQueryString();
    }

    /// <summary>
    /// PostgreSQL, a search from its matches: the page's conversations picked first, then read. IX_Conversations_Inbox
    /// includes the channel and the contact, so the pick tests the matching ids or contacts on the index's own entries;
    /// read in one query with the row's other columns, it fetched the table row of every conversation it passed, 5,300 of
    /// them for a word in 0.1% of 1,000,000 messages (4.0 ms against 1.3 ms, BENCHMARKS.md, session 21). The index alone
    /// answers for pages the vacuum marked all-visible; the rows changed since are still read, as before.
    /// </summary>
    private static IQueryable<Conversation> PickedFromIndex(TalkToMeDbContext db, IQueryable<Conversation> query, int pageSize)
    {
        if (!db.Database.IsNpgsql())
        {
            return query;
        }

        var page = Page(query, pageSize).Select(c => c.Id);
        return db.Conversations.Where(c => page.Contains(c.Id));
    }

    // Rows after the cursor. The first bound is implied by the OR; PostgreSQL needs it to seek the index to the cursor
    // (without it, it reads the index from the top and filters out every row of the earlier pages: BENCHMARKS.md,
    // session 7). SQLite seeks either way.
    private static IQueryable<Conversation> After(IQueryable<Conversation> query, InboxCursor? after) =>
        after is null ? query : query.Where(c => c.LastActivityAt <= after.LastActivityAt
            && (c.LastActivityAt < after.LastActivityAt || (c.LastActivityAt == after.LastActivityAt && c.Id < after.Id)));

    /// <summary>
    /// A word in many messages: along the list's own order in growing chunks of conversations, each chunk's messages and
    /// contact names checked at once (<see cref="ChunkMatchesAsync"/>), until a page and one more row are found or the
    /// list ends. One check per chunk, not one per conversation or per message: each has a fixed cost, paid a few times
    /// per page.
    /// Returns the ids of the page's conversations (one more than the page when another follows) and, for those with a
    /// matching message, the newest one. With <paramref name="onlyIfCommon"/>, null when the first chunk shows the words
    /// are not common (under a quarter of its conversations match and the page is not full): counting first then finds
    /// the right plan.
    /// </summary>
    private static async Task<(List<int> Ids, IReadOnlyDictionary<int, long> Newest)?> WalkAsync(TalkToMeDbContext db,
        InboxFilter filter, SearchTerms terms, InboxCursor? after, int pageSize, CancellationToken cancellationToken,
        bool onlyIfCommon = false)
    {
        var list = Apply(db, filter with { Search = null }, SearchPlan.FromMatches);
        var found = new List<int>();
        var newest = new Dictionary<int, long>();
        var chunkSize = pageSize + 1;
        var walked = 0;
        while (found.Count <= pageSize)
        {
            var chunk = await Page(After(list, after), chunkSize - 1).Select(c => new { c.Id, c.LastActivityAt })
                .ToListAsync(cancellationToken);
            if (chunk.Count == 0)
            {
                break;
            }

            var ids = chunk.Select(c => c.Id).ToArray();
            var (matches, byName) = await ChunkMatchesAsync(db, terms, ids, cancellationToken);
            var before = found.Count;
            found.AddRange(chunk.Select(c => c.Id).Where(id => matches.ContainsKey(id) || byName.Contains(id)));
            if (onlyIfCommon && found.Count <= pageSize && (found.Count - before) * 4 < chunk.Count)
            {
                return null;
            }

            onlyIfCommon = false;
            foreach (var (conversationId, messageId) in matches)
            {
                newest[conversationId] = messageId;
            }

            if (chunk.Count < chunkSize)
            {
                break;
            }

            after = new InboxCursor(chunk[^1].LastActivityAt, chunk[^1].Id);
            chunkSize = NextChunkSize(chunkSize, walked += chunk.Count, found.Count, pageSize + 1 - found.Count);
        }

        return (found.Take(pageSize + 1).ToList(), newest);
    }

    /// <summary>
    /// The next chunk of the walk: enough conversations for what the page still needs at the share that matched so far,
    /// with half as many again to spare, between 10 and twice the last chunk. A common word finishes a page in about
    /// one more chunk instead of reading twice the conversations; a rare one still grows its lookups quickly.
    /// </summary>
    private static int NextChunkSize(int last, int walked, int found, int needed)
    {
        if (found == 0)
        {
            return 2 * last;
        }

        var expected = (int)Math.Ceiling(1.5 * needed * walked / found);
        return Math.Clamp(expected, 10, 2 * last);
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
        filter.Channels.Allows(item.ChannelId)
        && (filter.Status is null || item.Status == filter.Status)
        && (filter.ChannelId is null ? !IsTestChat(item.ChannelType) : item.ChannelId == filter.ChannelId)
        && filter.Assignee switch
        {
            AssigneeFilter.Mine => item.AssigneeId == filter.CurrentAgentId,
            AssigneeFilter.Unassigned => item.AssigneeId is null,
            _ => true,
        };

    /// <summary>Each row's newest matching message as an excerpt (one read for the page; rows found by name may have none).</summary>
    private static async Task<List<ConversationListItem>> WithMatchedTextAsync(TalkToMeDbContext db, SearchTerms terms,
        List<ConversationListItem> rows, IReadOnlyDictionary<int, long>? newest, CancellationToken cancellationToken)
    {
        newest ??= await NewestMatchesAsync(db, terms, rows.Select(r => r.Id).ToArray(), cancellationToken);
        var ids = rows.Select(r => newest.GetValueOrDefault(r.Id)).Where(id => id != 0).ToList();
        var texts = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.Id))
            .Select(m => new { m.ConversationId, m.Content }).ToDictionaryAsync(m => m.ConversationId, m => m.Content, cancellationToken);
        return rows.Select(r => texts.TryGetValue(r.Id, out var text) ? r with { MatchedText = terms.Snippet(text) } : r).ToList();
    }

    private sealed record NewestMatch(int ConversationId, long MessageId);

    /// <summary>
    /// SQLite: for each of the given conversations that has a message with every word, its newest such message, in one
    /// FTS5 query, <c>ConversationId : ("3" OR "7" …) AND Content : …</c>, answered from the index (the ids' doclists are
    /// short, and FTS5 seeks the words' doclists to them). PostgreSQL's plans carry the newest matches already.
    /// </summary>
    private static async Task<Dictionary<int, long>> NewestMatchesAsync(TalkToMeDbContext db, SearchTerms terms,
        int[] conversationIds, CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<NewestMatch>($"""
                SELECT m."ConversationId", max(m."Id") AS "MessageId" FROM "Messages" AS m
                WHERE m."Id" IN (SELECT rowid FROM "MessageSearch" WHERE "MessageSearch" MATCH {InConversations(conversationIds) + MessageFts5(terms)})
                GROUP BY m."ConversationId"
                """)
            .ToDictionaryAsync(m => m.ConversationId, m => m.MessageId, cancellationToken);

    /// <summary>
    /// A chunk of the walk, where the words are common: each conversation's newest message with every word, and the
    /// conversations whose contact's name has them. The conversations' messages are read by the (ConversationId, Id)
    /// index and tested one by one, on SQLite here and on PostgreSQL in the engine.
    /// <para>SQLite: through FTS5, each conversation id of the chunk was looked up in every segment of the index, 8 of the
    /// 11 ms of a 102-id chunk at 1,000,000 messages (BENCHMARKS.md, session 9).</para>
    /// <para>PostgreSQL: 4–6 ms for a chunk of 102 conversations at 1,000,000 messages; through the GIN index the planner
    /// chose instead, 103 ms, nearly all of it building the bitmap of every match of "pedido atrasado". Names and
    /// messages come back from one statement (a name match with message id 0): each statement is a round trip, and a
    /// common word's page took two chunks of two statements each.</para>
    /// </summary>
    private static async Task<(Dictionary<int, long> Newest, HashSet<int> ByName)> ChunkMatchesAsync(TalkToMeDbContext db,
        SearchTerms terms, int[] conversationIds, CancellationToken cancellationToken)
    {
        var newest = new Dictionary<int, long>();
        if (db.Database.IsNpgsql())
        {
            var query = terms.ToTsQuery();
            var rows = await db.Database.SqlQuery<NewestMatch>($"""
                WITH chunk AS MATERIALIZED (SELECT "Id", "ConversationId", "SearchVector" FROM "Messages" WHERE "ConversationId" = ANY({conversationIds}))
                SELECT "ConversationId", max("Id") AS "MessageId" FROM chunk
                WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({query}))
                GROUP BY "ConversationId"
                UNION ALL
                SELECT "Id" AS "ConversationId", 0 AS "MessageId" FROM "Conversations" WHERE "Id" = ANY({conversationIds})
                  AND "ContactId" IN (SELECT "Id" FROM "Contacts" WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({query})))
                """).ToListAsync(cancellationToken);
            foreach (var row in rows.Where(r => r.MessageId != 0))
            {
                newest[row.ConversationId] = row.MessageId;
            }

            return (newest, rows.Where(r => r.MessageId == 0).Select(r => r.ConversationId).ToHashSet());
        }

        var messages = await db.Messages.AsNoTracking().Where(m => conversationIds.Contains(m.ConversationId))
            .Select(m => new { m.ConversationId, m.Id, m.Content }).ToListAsync(cancellationToken);
        // Newest first: a conversation's first match is its newest, and its older messages need no test.
        foreach (var message in messages.OrderByDescending(m => m.Id))
        {
            if (!newest.ContainsKey(message.ConversationId) && terms.IsIn(message.Content))
            {
                newest[message.ConversationId] = message.Id;
            }
        }

        var byName = await ConversationsOfMatchingContacts(db, terms, conversationIds).ToListAsync(cancellationToken);
        return (newest, byName.ToHashSet());
    }

    /// <summary>The start of an FTS5 query on MessageSearch limited to the messages of these conversations.</summary>
    private static string InConversations(int[] conversationIds) =>
        $"ConversationId : ({string.Join(" OR ", conversationIds.Select(id => $"\"{id}\""))}) AND ";

    /// <summary>Which of the given conversations have a contact whose name has every word.</summary>
    private static IQueryable<int> ConversationsOfMatchingContacts(TalkToMeDbContext db, SearchTerms terms, int[] conversationIds)
    {
        var contacts = MatchingContacts(db, terms);
        return db.Conversations.Where(c => conversationIds.Contains(c.Id) && contacts.Contains(c.ContactId)).Select(c => c.Id);
    }

    /// <summary>
    /// The words in the message text only. MessageSearch indexes each message's "ConversationId" too (migration
    /// SearchPrefixIndexes), so that <c>ConversationId : "12" AND …</c> finds one conversation's matching messages in the
    /// index alone; a number someone types must not match that column.
    /// </summary>
    private static string MessageFts5(SearchTerms terms) => terms.ToFts5("Content");

    /// <summary>
    /// The conversations whose contact or one of whose messages has every word, checked row by row: for one conversation
    /// (<see cref="FindAsync"/>), one index lookup however many messages it has.
    /// </summary>
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

        return db.Conversations.FromSql($"""
            SELECT * FROM "Conversations" AS c
            WHERE c."ContactId" IN (SELECT rowid FROM "ContactSearch" WHERE "ContactSearch" MATCH {terms.ToFts5()})
               OR EXISTS (SELECT 1 FROM "MessageSearch"
                          WHERE "MessageSearch" MATCH ('ConversationId : "' || c."Id" || '" AND ' || {MessageFts5(terms)}))
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

    /// <summary>
    /// Ids of the messages that have every word. Counted from the index alone: PostgreSQL's bitmap scan skips the heap
    /// of all-visible pages when no column is read, and SQLite's FTS5 needs no row of Messages.
    /// </summary>
    private static IQueryable<long> MatchingMessages(TalkToMeDbContext db, SearchTerms terms) => db.Database.IsNpgsql()
        ? db.Database.SqlQuery<long>($"""
            SELECT "Id" AS "Value" FROM "Messages" WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({terms.ToTsQuery()}))
            """)
        : db.Database.SqlQuery<long>($"""
            SELECT rowid AS "Value" FROM "MessageSearch" WHERE "MessageSearch" MATCH {MessageFts5(terms)}
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
    /// own order, asking chunks of conversations whether one of their messages matches (<see cref="WalkAsync"/>), which
    /// finds a page after a few dozen.
    /// </summary>
    private enum SearchPlan
    {
        FromMatches,
        PerConversation,

        /// <summary>
        /// PostgreSQL, a word in few messages but many contacts' names (a common surname): the list in its own order,
        /// each conversation's contact tested against the matching contacts, hashed once. Reading the conversations of
        /// 2,500 matching contacts as a list of ids cost 19 ms at 1,000,000 messages (BENCHMARKS.md, session 20).
        /// </summary>
        ContactsInListOrder,
    }

    /// <summary>Contacts a word may match and still have their conversations read as a list of ids.</summary>
    private const int FewContacts = 500;

    /// <summary>Messages a word may match and still be searched from its matches.</summary>
    private const int FewMatches = 2_000;

    /// <summary>
    /// The plan and, on PostgreSQL, the ids of every matching conversation, read as lists of ids, with each one's newest
    /// matching message: joined in the page's query instead, PostgreSQL hashed the whole Conversations table twice,
    /// most of a rare word's search at 1,000,000 messages. SQLite keeps the join (with the id lists its surname and
    /// prefix searches took 47–49 ms instead of 13–17 ms at 1,000,000). The count comes first, from the index alone:
    /// reading the conversation of the first 2,000 matches of a common word ("pedido") cost 50 ms more per search at
    /// 1,000,000 on PostgreSQL, so the messages are read only once the count says they are few.
    /// </summary>
    private static async Task<(SearchPlan Plan, int[]? Matching, IReadOnlyDictionary<int, long>? Newest)> PlanSearchAsync(
        TalkToMeDbContext db, SearchTerms terms, CancellationToken cancellationToken)
    {
        if (terms.IsEmpty)
        {
            return (SearchPlan.FromMatches, null, null);
        }

        if (db.Database.IsNpgsql())
        {
            return await PlanPostgreSqlSearchAsync(db, terms, cancellationToken);
        }

        return await MatchingMessages(db, terms).Take(FewMatches).CountAsync(cancellationToken) >= FewMatches
            ? (SearchPlan.PerConversation, null, null)
            : (SearchPlan.FromMatches, null, null);
    }

    /// <summary>
    /// One row per matching message (or one row when none matches), each with how many messages and contacts match,
    /// counted up to <see cref="FewMatches"/> and <see cref="FewContacts"/>. The messages are read only when they are few:
    /// their read sits behind a one-time filter on the count, which PostgreSQL checks before it starts the read.
    /// </summary>
    private sealed record SearchCounts(int Messages, int Contacts, int? ConversationId, long? MessageId);

    /// <summary>
    /// PostgreSQL: the counts, the matching messages' conversations and, from those, each conversation's newest match, in
    /// one statement. Each statement is a round trip of its own, and the counts, the conversations and the newest matches
    /// were three of the eight a rare word's search took.
    /// </summary>
    private static async Task<(SearchPlan Plan, int[]? Matching, IReadOnlyDictionary<int, long>? Newest)> PlanPostgreSqlSearchAsync(
        TalkToMeDbContext db, SearchTerms terms, CancellationToken cancellationToken)
    {
        var query = terms.ToTsQuery();
        if (await EstimatedMatchesAsync(db, query, cancellationToken) >= FewMatches)
        {
            return (SearchPlan.PerConversation, null, null);
        }

        var rows = await db.Database.SqlQuery<SearchCounts>($"""
            WITH n AS MATERIALIZED (SELECT count(*)::int AS "Messages" FROM (SELECT 1 FROM "Messages"
                    WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({query})) LIMIT {FewMatches}) AS x)
            SELECT n."Messages", k."Contacts", m."ConversationId", m."MessageId"
            FROM n
            CROSS JOIN (SELECT count(*)::int AS "Contacts" FROM (SELECT 1 FROM "Contacts"
                    WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent({query})) LIMIT {FewContacts}) AS y) AS k
            LEFT JOIN (SELECT "ConversationId", "Id" AS "MessageId" FROM "Messages"
                    WHERE (SELECT "Messages" FROM n) < {FewMatches}
                      AND "SearchVector" @@ to_tsquery('simple', ttm_unaccent({query}))) AS m ON TRUE
            """).ToListAsync(cancellationToken);
        if (rows[0].Messages >= FewMatches)
        {
            return (SearchPlan.PerConversation, null, null);
        }

        var newest = new Dictionary<int, long>();
        foreach (var row in rows.Where(r => r.ConversationId is not null))
        {
            if (row.MessageId > newest.GetValueOrDefault(row.ConversationId!.Value))
            {
                newest[row.ConversationId.Value] = row.MessageId!.Value;
            }
        }

        if (rows[0].Contacts >= FewContacts)
        {
            return (SearchPlan.ContactsInListOrder, newest.Keys.ToArray(), newest);
        }

        if (rows[0].Contacts == 0)
        {
            return (SearchPlan.FromMatches, newest.Keys.ToArray(), newest);
        }

        var contacts = MatchingContacts(db, terms);
        var byName = await db.Conversations.Where(c => contacts.Contains(c.ContactId)).Select(c => c.Id).ToListAsync(cancellationToken);
        return (SearchPlan.FromMatches, newest.Keys.Union(byName).ToArray(), newest);
    }

    /// <summary>
    /// PostgreSQL's own estimate of how many messages have the words, from the statistics ANALYZE keeps of the words
    /// most messages have: the planning of the statement, never its run. Counting "pedido" (a fifth of the messages) up
    /// to 2,000 reads 10,000 messages and tests each, 5–8 ms of a 22 ms search at 1,000,000 (BENCHMARKS.md, session 21);
    /// a word the statistics call common goes straight to the walk. A word they call rare is still counted, so an
    /// estimate too low (say, statistics older than the word's rise) costs only that count.
    /// </summary>
    private static async Task<double> EstimatedMatchesAsync(TalkToMeDbContext db, string tsQuery, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = """
            EXPLAIN (FORMAT JSON) SELECT 1 FROM "Messages" WHERE "SearchVector" @@ to_tsquery('simple', ttm_unaccent(@query))
            """;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "query";
        parameter.Value = tsQuery;
        command.Parameters.Add(parameter);
        var plan = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        using var json = JsonDocument.Parse(plan);
        return json.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    private static IQueryable<Conversation> Apply(TalkToMeDbContext db, InboxFilter filter, SearchPlan plan,
        int[]? matching = null)
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

        if (filter.Channels.ChannelIds is { } allowed)
        {
            // A restricted agent's few channels: each one a range of the (ChannelId, …) index the planner may pick.
            var ids = allowed.ToArray();
            query = query.Where(c => ids.Contains(c.ChannelId));
        }

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

        if (!terms.IsEmpty && plan == SearchPlan.ContactsInListOrder)
        {
            var contacts = MatchingContacts(db, terms);
            var byMessage = matching ?? [];
            query = query.Where(c => contacts.Contains(c.ContactId) || byMessage.Contains(c.Id));
        }
        else if (!terms.IsEmpty && plan == SearchPlan.FromMatches)
        {
            // The matching conversations as one set, then sorted. Written as an OR of two tests per row, PostgreSQL
            // walked the whole list in activity order and tested every conversation. On PostgreSQL the set is a list
            // of ids (PlanSearchAsync), looked up by primary key; on SQLite a semi-join from the FTS5 matches.
            if (matching is not null)
            {
                query = query.Where(c => matching.Contains(c.Id));
            }
            else
            {
                var contacts = MatchingContacts(db, terms);
                var messages = MatchingMessages(db, terms);
                var set = db.Conversations.Where(c => contacts.Contains(c.ContactId)).Select(c => c.Id)
                    .Union(db.Messages.Where(m => messages.Contains(m.Id)).Select(m => m.ConversationId));
                query = query.Where(c => set.Contains(c.Id));
            }
        }
        else if (terms.IsEmpty && !string.IsNullOrWhiteSpace(filter.Search))
        {
            // Nothing searchable (only punctuation or emoji): no conversation has such a word.
            query = query.Where(c => false);
        }

        return query;
    }
}
