using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Core.Contacts;

/// <summary>A contact as the contacts page lists it: its own e-mail/phone, or else the ones its channel identities give.</summary>
public sealed record ContactRow(int Id, string Name, string? Email, string? Phone, IReadOnlyList<ContactIdentityView> Identities,
    int Conversations);

public sealed record ContactIdentityView(string ChannelName, ChannelType ChannelType, string ExternalId);

public sealed record ContactEdit(string? Name, string? Email, string? Phone);

/// <summary>
/// Changes to contacts: an agent editing or merging them, the profile lookup naming one. Each change is one unit of work,
/// which tells open inboxes to re-read the contact's conversations after the commit, so the new name shows at once.
/// </summary>
public sealed class ContactService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units)
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 320;
    public const int MaxPhoneLength = 40;

    /// <summary>Every contact with its identities, by name; the page searches, sorts and pages in memory.</summary>
    public async Task<IReadOnlyList<ContactRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var channels = await db.Channels.AsNoTracking().ToDictionaryAsync(c => c.Id, c => (c.Name, c.Type), cancellationToken);
        var counts = await db.Conversations.AsNoTracking().GroupBy(c => c.ContactId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var contacts = await db.Contacts.AsNoTracking().Include(c => c.Identities).OrderBy(c => c.Name).ToListAsync(cancellationToken);
        return contacts.Select(c =>
        {
            var identities = c.Identities
                .Select(i => channels.TryGetValue(i.ChannelId, out var ch)
                    ? new ContactIdentityView(ch.Name, ch.Type, i.ExternalId)
                    : new ContactIdentityView("?", ChannelType.Api, i.ExternalId))
                .ToList();
            return new ContactRow(c.Id, c.Name, c.Email ?? EmailFrom(identities), c.Phone ?? PhoneFrom(identities), identities,
                counts.GetValueOrDefault(c.Id));
        }).ToList();
    }

    /// <summary>The e-mail address an identity is (the e-mail channel knows contacts by their address).</summary>
    public static string? EmailFrom(IEnumerable<ContactIdentityView> identities) =>
        identities.Select(i => ChannelKinds.For(i.ChannelType).ContactEmail(i.ExternalId)).FirstOrDefault(e => e is not null);

    /// <summary>The phone number an identity is (WhatsApp and SMS know contacts by their numbers).</summary>
    public static string? PhoneFrom(IEnumerable<ContactIdentityView> identities) =>
        identities.Select(i => ChannelKinds.For(i.ChannelType).ContactPhone(i.ExternalId)).FirstOrDefault(p => p is not null);

    /// <summary>Saves an agent's edit of name, e-mail and phone; returns field errors (empty when saved).</summary>
    public async Task<IReadOnlyDictionary<string, string>> UpdateAsync(int contactId, ContactEdit edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var errors = Validate(edit);
        if (errors.Count > 0)
        {
            return errors;
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var contact = await unit.Db.Contacts.FirstOrDefaultAsync(c => c.Id == contactId, cancellationToken)
            ?? throw new KeyNotFoundException(ServerText.Get("Error.ContactNotFound", "Contato não encontrado."));
        contact.Rename(Clean(edit.Name));
        contact.SetDetails(edit.Email, edit.Phone);
        await PublishConversationsAsync(unit, contactId, cancellationToken);
        await unit.CommitAsync(cancellationToken);
        return errors;
    }

    private static Dictionary<string, string> Validate(ContactEdit edit)
    {
        var errors = new Dictionary<string, string>();
        if (Clean(edit.Name).Length == 0)
        {
            errors[nameof(ContactEdit.Name)] = ServerText.Get("Error.ContactNameRequired", "Informe o nome.");
        }

        var email = Contact.NormalizeDetail(edit.Email);
        if (email is not null && (email.Length > MaxEmailLength || !email.Contains('@') || email.StartsWith('@') || email.EndsWith('@')))
        {
            errors[nameof(ContactEdit.Email)] = ServerText.Get("Error.EmailInvalid", "Informe um e-mail válido.");
        }

        var phone = Contact.NormalizeDetail(edit.Phone);
        if (phone is not null && (phone.Length > MaxPhoneLength || phone.Count(char.IsDigit) < 6
            || phone.Any(c => !char.IsDigit(c) && c is not ('+' or ' ' or '-' or '(' or ')' or '.'))))
        {
            errors[nameof(ContactEdit.Phone)] = ServerText.Get("Error.PhoneInvalid", "Informe um telefone válido, como +55 11 91234-5678.");
        }

        return errors;
    }

    /// <summary>
    /// Merges <paramref name="removeId"/> into <paramref name="keepId"/> in one transaction: its identities and conversations
    /// move to the kept contact, e-mail/phone/answers the kept one lacks are taken over, and the other contact is deleted.
    /// </summary>
    public async Task MergeAsync(int keepId, int removeId, CancellationToken cancellationToken = default)
    {
        if (keepId == removeId)
        {
            throw new ArgumentException("Escolha outro contato para mesclar.", nameof(removeId));
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var keep = await db.Contacts.FirstOrDefaultAsync(c => c.Id == keepId, cancellationToken)
            ?? throw new KeyNotFoundException(ServerText.Get("Error.ContactNotFound", "Contato não encontrado."));
        var remove = await db.Contacts.FirstOrDefaultAsync(c => c.Id == removeId, cancellationToken)
            ?? throw new KeyNotFoundException(ServerText.Get("Error.ContactNotFound", "Contato não encontrado."));

        keep.SetDetails(keep.Email ?? remove.Email, keep.Phone ?? remove.Phone);
        keep.SetAttributesJson(MergeAttributes(keep.AttributesJson, remove.AttributesJson));
        await unit.SaveChangesAsync(cancellationToken);

        await db.ContactIdentities.Where(i => i.ContactId == removeId)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.ContactId, keepId), cancellationToken);
        await db.Conversations.Where(c => c.ContactId == removeId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ContactId, keepId), cancellationToken);
        await db.Contacts.Where(c => c.Id == removeId).ExecuteDeleteAsync(cancellationToken);
        await PublishConversationsAsync(unit, keepId, cancellationToken);
        await unit.CommitAsync(cancellationToken);
    }

    /// <summary>The kept contact's answers win; the other's fill what it lacks. Unreadable JSON is left as the kept one's.</summary>
    private static string MergeAttributes(string keepJson, string removeJson)
    {
        try
        {
            if (JsonNode.Parse(keepJson) is not JsonObject keep || JsonNode.Parse(removeJson) is not JsonObject remove)
            {
                return keepJson;
            }

            foreach (var (key, value) in remove.ToList())
            {
                if (!keep.ContainsKey(key))
                {
                    remove.Remove(key);
                    keep[key] = value;
                }
            }

            return keep.ToJsonString();
        }
        catch (System.Text.Json.JsonException)
        {
            return keepJson;
        }
    }

    // Open inboxes re-read these conversations, so the contact's new name or merge shows at once.
    private static async Task PublishConversationsAsync(UnitOfWork unit, int contactId, CancellationToken cancellationToken) =>
        unit.Publish(await unit.Db.Conversations.AsNoTracking().Where(c => c.ContactId == contactId)
            .Select(c => new ConversationChanged(c.Id, c.ChannelId, c.Status, c.AssigneeId))
            .ToListAsync(cancellationToken));

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

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var contactId = await db.ContactIdentities.AsNoTracking()
            .Where(i => i.ChannelId == channelId && i.ExternalId == externalId)
            .Select(i => (int?)i.ContactId)
            .FirstOrDefaultAsync(cancellationToken);
        if (contactId is null)
        {
            return false;
        }

        var renamed = await db.Contacts.Where(c => c.Id == contactId && c.Name == externalId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, name), cancellationToken);
        if (renamed == 0)
        {
            return false;
        }

        var conversations = await db.Conversations.AsNoTracking()
            .Where(c => c.ChannelId == channelId && c.ContactId == contactId)
            .Select(c => new ConversationChanged(c.Id, c.ChannelId, c.Status, c.AssigneeId))
            .ToListAsync(cancellationToken);
        var ids = conversations.Select(c => c.ConversationId).ToList();
        await db.Messages.Where(m => ids.Contains(m.ConversationId) && m.Direction == MessageDirection.Incoming
                && m.SenderName == externalId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.SenderName, name), cancellationToken);
        unit.Publish(conversations);
        await unit.CommitAsync(cancellationToken);
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
        return oneLine.Length > MaxNameLength ? Channels.TextParts.Prefix(oneLine, MaxNameLength).TrimEnd() : oneLine;
    }
}
