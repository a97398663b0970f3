using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Conversations;

public sealed record ChannelOption(int Id, string Name, ChannelType Type, bool CanStartConversation);

public sealed record NamedOption(int Id, string Name);

public sealed record AgentOption(string Id, string DisplayName, Agents.AgentStatus Status = Agents.AgentStatus.Offline);

public sealed record ContactIdentityRow(string ChannelName, ChannelType ChannelType, string ExternalId);

public sealed record ContactConversationRow(int Id, string ChannelName, ConversationStatus Status, string? Preview, DateTime LastActivityAt);

public sealed record ContactPanel(int ContactId, string Name, string? Email, string? Phone,
    IReadOnlyList<ContactIdentityRow> Identities, IReadOnlyList<ContactConversationRow> OtherConversations);

public sealed record ConversationHeader(int Id, int ChannelId, string ChannelName, ChannelType ChannelType, int ContactId,
    string ContactName, ConversationStatus Status, string? AssigneeId, ConversationPriority Priority, DateTime? SnoozedUntil,
    int UnreadCount, IReadOnlyList<LabelRow> Labels)
{
    public KeepAlive.KeepAliveStage KeepAliveStage { get; init; }
    public DateTime? KeepAliveDueAt { get; init; }
    public DateTime? LastCustomerMessageAt { get; init; }
    public string AttributesJson { get; init; } = "{}";

    /// <summary>The customer's last "Avaliação" (1–5) and its comment; null until they answer one.</summary>
    public int? CsatScore { get; init; }
    public string? CsatComment { get; init; }

    /// <summary>False when the channel allows free replies only within 24 h of the customer's last message and that passed.</summary>
    public bool ReplyWindowOpen(DateTime now) => Channels.ReplyWindow.IsOpen(ChannelType, LastCustomerMessageAt, now);
}

public sealed record ThreadMessage(long Id, MessageDirection Direction, MessageKind Kind, SenderType SenderType,
    string? SenderId, string? SenderName, string Content, DeliveryStatus DeliveryStatus, string? FailureReason, DateTime CreatedAt,
    MessageTemplate? Template = null, ActivityData? Activity = null)
{
    /// <summary>The message's files, places and contact cards, in the order they came.</summary>
    public IReadOnlyList<ThreadAttachment> Attachments { get; init; } = [];

    /// <summary>The text to show beside the attachments: none when it is only the stand-in label ("📷 Foto").</summary>
    public string? Caption => Attachments.Count > 0 && Content == MediaLabel.For(Attachments[0].Kind, Attachments[0].FileName,
        Attachments[0].DurationSeconds, Attachments[0].Details) ? null : Content;

    /// <summary>As a record's, with the attachments compared item by item (a re-read of the same thread is equal).</summary>
    public bool Equals(ThreadMessage? other) =>
        other is not null && Id == other.Id && Direction == other.Direction && Kind == other.Kind && SenderType == other.SenderType
        && SenderId == other.SenderId && SenderName == other.SenderName && Content == other.Content
        && DeliveryStatus == other.DeliveryStatus && FailureReason == other.FailureReason && CreatedAt == other.CreatedAt
        && Equals(Template, other.Template) && Equals(Activity, other.Activity) && Attachments.SequenceEqual(other.Attachments);

    public override int GetHashCode() => HashCode.Combine(Id, DeliveryStatus);
}

/// <summary>One attachment as the thread shows it; its file is at <c>/media/{Id}</c> once <see cref="State"/> is Ready.</summary>
public sealed record ThreadAttachment(long Id, MediaKind Kind, MediaState State, string? FileName, string? ContentType, long? Size,
    int? DurationSeconds, MediaDetails? Details, string? FailureReason);

/// <summary>The small reads around the inbox list: filter options, cheap tab counts, the open conversation and its contact.</summary>
public sealed class InboxLookups(IDbContextFactory<TalkToMeDbContext> factory)
{
    /// <summary>The signed-in user as the services see them: id from the cookie, name from the account, admin from the role.</summary>
    public async Task<Actor> ActorAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is null)
        {
            return new Actor(null, "?");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var name = await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => u.DisplayName).FirstOrDefaultAsync(cancellationToken);
        return new Actor(id, string.IsNullOrWhiteSpace(name) ? user.Identity?.Name ?? "?" : name, user.IsInRole(Roles.Admin));
    }

    /// <summary>How many conversations per tab that has a count (Abertas, Pendentes, Adiadas) for the assignee tab.</summary>
    /// <remarks>
    /// One COUNT per status over the (Status, LastActivityAt, Id) or (AssigneeId, Status, …) index: a range of the
    /// index, never a scan of the table. "Resolvidas" grows forever and has no count (as in Chatwoot).
    /// </remarks>
    public async Task<IReadOnlyDictionary<ConversationStatus, int>> CountsAsync(AssigneeFilter assignee, string? agentId,
        CancellationToken cancellationToken = default) => await CountsAsync(assignee, agentId, ChannelScope.All, cancellationToken);

    /// <summary>The counts of the conversations in the channels the user may see.</summary>
    public async Task<IReadOnlyDictionary<ConversationStatus, int>> CountsAsync(AssigneeFilter assignee, string? agentId,
        ChannelScope scope, CancellationToken cancellationToken = default)
    {
        var allowed = scope.ChannelIds?.ToArray();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var counts = new Dictionary<ConversationStatus, int>();
        // Test chats stay out of the tabs as they stay out of the list (InboxFilter). Subtracting them keeps each count on
        // its index: the test chats are counted through IX_Conversations_Channel, and only when a Chatbot channel exists.
        var testChannels = await db.Channels.AsNoTracking().Where(c => c.Type == ChannelType.Chatbot).Select(c => c.Id)
            .ToListAsync(cancellationToken);
        foreach (var status in new[] { ConversationStatus.Open, ConversationStatus.Pending, ConversationStatus.Snoozed })
        {
            var query = db.Conversations.Where(c => c.Status == status);
            query = assignee switch
            {
                AssigneeFilter.Mine => query.Where(c => c.AssigneeId == agentId),
                AssigneeFilter.Unassigned => query.Where(c => c.AssigneeId == null),
                _ => query,
            };
            if (allowed is not null)
            {
                query = query.Where(c => allowed.Contains(c.ChannelId));
            }

            counts[status] = await query.CountAsync(cancellationToken);
            if (testChannels.Count > 0)
            {
                counts[status] -= await query.Where(c => testChannels.Contains(c.ChannelId)).CountAsync(cancellationToken);
            }
        }

        return counts;
    }

    /// <summary>The channels to filter by or start a conversation through: those the user may see.</summary>
    public async Task<IReadOnlyList<ChannelOption>> ChannelsAsync(ChannelScope? scope = null, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var channels = await db.Channels.AsNoTracking().OrderBy(c => c.Name).ToListAsync(cancellationToken);
        return channels.Where(c => !c.IsDeleted && (scope ?? ChannelScope.All).Allows(c.Id))
            .Select(c => new ChannelOption(c.Id, c.Name, c.Type, c.CanStartConversation)).ToList();
    }

    /// <summary>The groups to filter by: for a restricted user, those with a channel they may see.</summary>
    public async Task<IReadOnlyList<NamedOption>> ChannelGroupsAsync(ChannelScope? scope = null, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var groups = db.ChannelGroups.AsNoTracking();
        if (scope?.ChannelIds is { } allowed)
        {
            var ids = allowed.ToArray();
            groups = groups.Where(g => g.Channels.Any(c => ids.Contains(c.Id)));
        }

        return await groups.OrderBy(g => g.Name).Select(g => new NamedOption(g.Id, g.Name)).ToListAsync(cancellationToken);
    }

    /// <summary>The active agents; with a channel, only those who may see it (the ones a conversation there can go to).</summary>
    public async Task<IReadOnlyList<AgentOption>> ActiveAgentsAsync(int? channelId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var users = db.Users.AsNoTracking().Where(u => !u.IsDeactivated);
        if (channelId is { } id)
        {
            users = ChannelAccess.WhoMaySee(db, users, id);
        }

        return await users.OrderBy(u => u.DisplayName)
            .Select(u => new AgentOption(u.Id, u.DisplayName, u.Status)).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<NamedOption>> ContactsAsync(string? search, int take = 20, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Contacts.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = "%" + search.Trim() + "%";
            query = db.Database.IsNpgsql()
                ? query.Where(c => EF.Functions.ILike(c.Name, pattern))
                : query.Where(c => EF.Functions.Like(c.Name, pattern));
        }

        return await query.OrderBy(c => c.Name).Take(take).Select(c => new NamedOption(c.Id, c.Name)).ToListAsync(cancellationToken);
    }

    /// <summary>The open conversation's header; null when it does not exist or is in a channel outside <paramref name="scope"/>.</summary>
    public async Task<ConversationHeader?> HeaderAsync(int conversationId, ChannelScope? scope = null, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await InScope(db.Conversations.AsNoTracking().Where(c => c.Id == conversationId), scope)
            .Select(c => new ConversationHeader(c.Id, c.ChannelId, c.Channel.Name, c.Channel.Type, c.ContactId, c.Contact.Name,
                c.Status, c.AssigneeId, c.Priority, c.SnoozedUntil, c.UnreadCount,
                c.Labels.OrderBy(l => l.Name).Select(l => new LabelRow(l.Id, l.Name, l.Color)).ToList())
            {
                KeepAliveStage = c.KeepAliveStage,
                KeepAliveDueAt = c.KeepAliveDueAt,
                LastCustomerMessageAt = c.LastCustomerMessageAt,
                AttributesJson = c.AttributesJson,
                CsatScore = c.CsatScore,
                CsatComment = c.CsatComment,
            })
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The thread, or only what came after <paramref name="afterId"/> (a live update re-reads just the new tail).</summary>
    public async Task<IReadOnlyList<ThreadMessage>> MessagesAsync(int conversationId, long afterId = 0, ChannelScope? scope = null,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var messages = db.Messages.Where(m => m.ConversationId == conversationId && m.Id > afterId);
        if (scope?.ChannelIds is { } allowed)
        {
            var ids = allowed.ToArray();
            messages = messages.Where(m => ids.Contains(m.Conversation.ChannelId));
        }

        return await Project(db, messages.OrderBy(m => m.Id)).ToListAsync(cancellationToken);
    }

    private static IQueryable<Conversation> InScope(IQueryable<Conversation> conversations, ChannelScope? scope)
    {
        if (scope?.ChannelIds is not { } allowed)
        {
            return conversations;
        }

        var ids = allowed.ToArray();
        return conversations.Where(c => ids.Contains(c.ChannelId));
    }

    public async Task<ThreadMessage?> MessageAsync(long messageId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await Project(db, db.Messages.Where(m => m.Id == messageId)).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>The contact beside the thread, with their other conversations in the channels <paramref name="scope"/> allows.</summary>
    public async Task<ContactPanel?> ContactPanelAsync(int contactId, ChannelScope? scope = null, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var contact = await db.Contacts.AsNoTracking().Where(c => c.Id == contactId)
            .Select(c => new { c.Id, c.Name, c.Email, c.Phone }).FirstOrDefaultAsync(cancellationToken);
        if (contact is null)
        {
            return null;
        }

        var identities = await db.ContactIdentities.AsNoTracking().Where(i => i.ContactId == contactId)
            .Join(db.Channels, i => i.ChannelId, c => c.Id, (i, c) => new ContactIdentityRow(c.Name, c.Type, i.ExternalId))
            .ToListAsync(cancellationToken);
        var conversations = await InScope(db.Conversations.AsNoTracking().Where(c => c.ContactId == contactId), scope)
            .OrderByDescending(c => c.LastActivityAt).Take(20)
            .Select(c => new ContactConversationRow(c.Id, c.Channel.Name, c.Status, c.LastMessagePreview, c.LastActivityAt))
            .ToListAsync(cancellationToken);
        return new ContactPanel(contact.Id, contact.Name, contact.Email, contact.Phone, identities, conversations);
    }

    /// <summary>Messages as the thread shows them, each with its attachments (the agent API reads the same).</summary>
    internal static IQueryable<ThreadMessage> Project(TalkToMeDbContext db, IQueryable<Message> messages) =>
        messages.AsNoTracking().Select(m => new ThreadMessage(m.Id, m.Direction, m.Kind, m.SenderType, m.SenderId, m.SenderName,
            m.Content, m.DeliveryStatus, m.FailureReason, m.CreatedAt, m.Template, m.ActivityData)
        {
            Attachments = db.Attachments.Where(a => a.MessageId == m.Id).OrderBy(a => a.Id)
                .Select(a => new ThreadAttachment(a.Id, a.Kind, a.State, a.FileName, a.ContentType, a.Size, a.DurationSeconds, a.Details,
                    a.FailureReason))
                .ToList(),
        });
}
