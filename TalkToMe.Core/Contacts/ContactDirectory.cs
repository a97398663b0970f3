using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Contacts;

public sealed record ContactSummary(int Id, string Name, string? Email, string? Phone, DateTime CreatedAt);

public sealed record ContactPage(IReadOnlyList<ContactSummary> Items, int? NextAfterId);

/// <summary>
/// Contacts as the /api/v1 contacts API reads them: keyset-paged by id, optionally searched by name, e-mail or phone. An
/// agent restricted to their groups reads only the contacts known on one of their channels (an identity there): the API
/// shows a token no more than the channels its agent may see.
/// </summary>
public sealed class ContactDirectory(IDbContextFactory<TalkToMeDbContext> factory)
{
    public async Task<ContactPage> ListAsync(string? search, int afterId, int limit, ChannelScope scope,
        CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = InScope(db, scope).Where(c => c.Id > afterId);
        if (!string.IsNullOrWhiteSpace(search))
        {
            // A substring match: fine for an integration's look-up; the inbox's full-text search is for messages.
            var pattern = "%" + search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            query = db.Database.IsNpgsql()
                ? query.Where(c => EF.Functions.ILike(c.Name, pattern, "\\") || EF.Functions.ILike(c.Email!, pattern, "\\")
                    || EF.Functions.ILike(c.Phone!, pattern, "\\"))
                : query.Where(c => EF.Functions.Like(c.Name, pattern, "\\") || EF.Functions.Like(c.Email!, pattern, "\\")
                    || EF.Functions.Like(c.Phone!, pattern, "\\"));
        }

        var rows = await query.OrderBy(c => c.Id).Take(limit + 1)
            .Select(c => new ContactSummary(c.Id, c.Name, c.Email, c.Phone, c.CreatedAt)).ToListAsync(cancellationToken);
        return rows.Count > limit ? new ContactPage(rows[..limit], rows[limit - 1].Id) : new ContactPage(rows, null);
    }

    public async Task<ContactSummary?> GetAsync(int contactId, ChannelScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await InScope(db, scope).Where(c => c.Id == contactId)
            .Select(c => new ContactSummary(c.Id, c.Name, c.Email, c.Phone, c.CreatedAt)).FirstOrDefaultAsync(cancellationToken);
    }

    private static IQueryable<Contact> InScope(TalkToMeDbContext db, ChannelScope scope)
    {
        var contacts = db.Contacts.AsNoTracking();
        if (scope.ChannelIds is not { } allowed)
        {
            return contacts;
        }

        var ids = allowed.ToArray();
        return contacts.Where(c => db.ContactIdentities.Any(i => i.ContactId == c.Id && ids.Contains(i.ChannelId)));
    }
}
