using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Hours;

/// <summary>What a page shows about a channel's hours now: open, or closed until a local time (null: it never opens).</summary>
public sealed record BusinessHoursStatus(bool IsEnabled, bool IsOpen, DateTime? NextOpeningLocal, DateTime NowLocal, string Language)
{
    /// <summary>Whether the next opening is on the channel's local "today" (then the time alone says when).</summary>
    public bool OpensToday => NextOpeningLocal is { } next && next.Date == NowLocal.Date;

    /// <summary>Whether the next opening is within the coming week (then a weekday and a time say when; else a date).</summary>
    public bool OpensThisWeek => NextOpeningLocal is { } next && next.Date < NowLocal.Date.AddDays(7);

    public static BusinessHoursStatus Of(BusinessHours hours, DateTime utc)
    {
        var open = hours.IsOpen(utc);
        var next = open ? null : hours.NextOpening(utc);
        return new BusinessHoursStatus(hours.IsEnabled, open, next is { } n ? hours.ToLocal(n) : null, hours.ToLocal(utc), hours.Language);
    }
}

/// <summary>
/// "Horário de atendimento" of a channel: read by the channel page and the widget, changed by admins only. A save wakes
/// the Keep Alive engine for the channel, since "Contar só no horário de atendimento" moves its deadlines.
/// </summary>
public sealed class BusinessHoursService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, TimeProvider time)
{
    /// <summary>The channel's hours; never saved: <see cref="BusinessHours.Default"/> (switched off) to start from. Null: no such channel.</summary>
    public async Task<BusinessHours?> GetAsync(int channelId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var json = await db.Channels.Where(c => c.Id == channelId && c.DeletedAt == null)
            .Select(c => new { c.BusinessHoursJson }).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : BusinessHours.FromJson(json.BusinessHoursJson) ?? BusinessHours.Default;
    }

    public BusinessHoursStatus StatusOf(BusinessHours hours) => BusinessHoursStatus.Of(hours, time.GetUtcNow().UtcDateTime);

    /// <summary>Validates and stores; with field errors nothing changes.</summary>
    public async Task<AdminResult<BusinessHours>> ConfigureAsync(ClaimsPrincipal caller, int channelId, BusinessHours hours,
        CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        var errors = BusinessHoursRules.Validate(hours);
        if (errors.Count > 0)
        {
            return AdminResult<BusinessHours>.Invalid(errors);
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        await unit.LockAsync<Channel>(channelId, cancellationToken);
        var channel = await unit.Db.Channels.FirstOrDefaultAsync(c => c.Id == channelId && c.DeletedAt == null, cancellationToken);
        if (channel is null)
        {
            return AdminResult<BusinessHours>.Missing();
        }

        var normalized = BusinessHoursRules.Normalize(hours);
        channel.ConfigureBusinessHours(normalized);
        unit.KeepAliveChannelChanged(channelId);
        await unit.CommitAsync(cancellationToken);
        return AdminResult<BusinessHours>.Ok(normalized);
    }
}
