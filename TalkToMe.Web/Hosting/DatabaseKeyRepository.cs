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
public sealed class DatabaseKeyRepository(IDbContextFactory<TalkToMeDbContext> factory) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = factory.CreateDbContext();
        return db.SigningKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        // Synchronous by the interface's contract, and outside a unit of work on purpose: the framework calls this while it
        // holds its key-ring lock, often from inside a request, and one INSERT that publishes nothing needs no writer's turn.
        using var db = factory.CreateDbContext();
        db.SigningKeys.Add(new SigningKey(friendlyName, element.ToString(SaveOptions.DisableFormatting)));
        db.SaveChanges();
    }
}
