using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Contacts;

public sealed record ContactSummary(int Id, string Name, string? Email, string? Phone, DateTime CreatedAt);

public sealed record ContactPage(IReadOnlyList<ContactSummary> Items, int? NextAfterId);

/// <summary>
/// Contacts as the /api/v1 contacts API reads them: keyset-paged by id, optionally searched by name, e-mail or phone. Every
/// agent sees every contact, as on the Contatos page (a contact may write on several channels); what a restricted agent
/// may not see are the conversations of other channels.
/// </summary>
public sealed class ContactDirectory(IDbContextFactory<TalkToMeDbContext> factory)
{
    public async Task<ContactPage> ListAsync(string? search, int afterId, int limit, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Contacts.AsNoTracking().Where(c => c.Id > afterId);
        if (!string.IsNullOrWhiteSpace(search))
        {
            // A substring match: enough for an integration's look-up; the inbox's full-text search is for conversations.
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

    public async Task<ContactSummary?> GetAsync(int contactId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Contacts.AsNoTracking().Where(c => c.Id == contactId)
            .Select(c => new ContactSummary(c.Id, c.Name, c.Email, c.Phone, c.CreatedAt)).FirstOrDefaultAsync(cancellationToken);
    }
}
