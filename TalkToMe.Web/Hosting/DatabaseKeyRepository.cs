using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// The data-protection key ring in the database (PostgreSQL): a cookie or antiforgery token issued by one node is read by
/// every other node on the same database. The framework calls this synchronously and rarely (at start, when it makes a
/// new key about every 90 days, and when it refreshes its cache about once a day).
/// </summary>
public sealed class DatabaseKeyRepository(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = factory.CreateDbContext();
        return db.SigningKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName) =>
        // Blocking is the interface's contract; it runs on a thread-pool thread with no context to deadlock on.
        units.InTransactionAsync(async unit =>
        {
            unit.Db.SigningKeys.Add(new SigningKey(friendlyName, element.ToString(SaveOptions.DisableFormatting)));
            await unit.SaveChangesAsync();
        }).GetAwaiter().GetResult();
}
