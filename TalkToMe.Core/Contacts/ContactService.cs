using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Contacts;

/// <summary>Changes to contacts that happen outside a conversation change (the profile lookup naming a contact).</summary>
public sealed class ContactService(IDbContextFactory<TalkToMeDbContext> factory, InboxEventHub events)
{
    public const int MaxNameLength = 200;

    /// <summary>
    /// Names the contact that <paramref name="externalId"/> identifies on the channel, but only while its name is still that raw
    /// id (one <c>UPDATE … WHERE Name = ExternalId</c>): a name an agent typed, or one a later message brought, is never
    /// overwritten. The customer's earlier messages, which carry the id as sender, get the name too; open inboxes re-read the
    /// contact's conversations.
    /// </summary>
    /// <returns>True when the contact was renamed.</returns>
    public async Task<bool> RenameIfStillExternalIdAsync(int channelId, string externalId, string name, CancellationToken cancellationToken = default)
    {
        name = Clean(name);
        if (name.Length == 0 || name == externalId)
        {
            return false;
        }

        List<(int Id, Conversations.ConversationStatus Status, string? AssigneeId)> conversations;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        using (await SqliteWriteGate.EnterAsync(cancellationToken))
        {
            var contactId = await db.ContactIdentities.AsNoTracking()
                .Where(i => i.ChannelId == channelId && i.ExternalId == externalId)
                .Select(i => (int?)i.ContactId)
                .FirstOrDefaultAsync(cancellationToken);
            if (contactId is null)
            {
                return false;
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var renamed = await db.Contacts.Where(c => c.Id == contactId && c.Name == externalId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, name), cancellationToken);
            if (renamed == 0)
            {
                return false;
            }

            var rows = await db.Conversations.AsNoTracking()
                .Where(c => c.ChannelId == channelId && c.ContactId == contactId)
                .Select(c => new { c.Id, c.Status, c.AssigneeId })
                .ToListAsync(cancellationToken);
            conversations = rows.Select(r => (r.Id, r.Status, r.AssigneeId)).ToList();
            var ids = conversations.Select(c => c.Id).ToList();
            await db.Messages.Where(m => ids.Contains(m.ConversationId) && m.Direction == MessageDirection.Incoming
                    && m.SenderName == externalId)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.SenderName, name), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var (id, status, assigneeId) in conversations)
        {
            events.Publish(new ConversationChanged(id, channelId, status, assigneeId));
        }

        return true;
    }

    /// <summary>A provider's display name as a contact name: one line, no control characters, at most <see cref="MaxNameLength"/>.</summary>
    public static string Clean(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "";
        }

        var oneLine = new string(name.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        oneLine = string.Join(' ', oneLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length > MaxNameLength ? oneLine[..MaxNameLength].TrimEnd() : oneLine;
    }
}
