using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Channels;

/// <summary>Keeps the events of provider deliveries that could not be understood, and lists them for the channel page.</summary>
public sealed class UnprocessedDeliveryService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, TimeProvider time)
{
    /// <summary>
    /// Only the newest this many are kept per channel: they are there to be looked at, and a provider (or whoever holds its
    /// secret) sending the same bad event all day must not fill the disk.
    /// </summary>
    public const int KeptPerChannel = 200;

    public async Task RecordAsync(int channelId, IReadOnlyCollection<UnreadableEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        db.UnprocessedDeliveries.AddRange(events.Select(e => new UnprocessedDelivery(channelId, e.Payload, e.Reason, now)));
        await unit.SaveChangesAsync(cancellationToken);
        var oldestKept = await db.UnprocessedDeliveries.Where(d => d.ChannelId == channelId).OrderByDescending(d => d.Id)
            .Skip(KeptPerChannel).Select(d => (long?)d.Id).FirstOrDefaultAsync(cancellationToken);
        if (oldestKept is { } cut)
        {
            await db.UnprocessedDeliveries.Where(d => d.ChannelId == channelId && d.Id <= cut).ExecuteDeleteAsync(cancellationToken);
        }

        await unit.CommitAsync(cancellationToken);
    }

    /// <summary>The channel's kept events, newest first.</summary>
    public async Task<List<UnprocessedDelivery>> ListAsync(int channelId, int take = 50, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.UnprocessedDeliveries.AsNoTracking().Where(d => d.ChannelId == channelId).OrderByDescending(d => d.Id)
            .Take(take).ToListAsync(cancellationToken);
    }

    public async Task<int> CountAsync(int channelId, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.UnprocessedDeliveries.CountAsync(d => d.ChannelId == channelId, cancellationToken);
    }

    /// <summary>"Limpar": the admin has looked at them.</summary>
    public async Task ClearAsync(int channelId, CancellationToken cancellationToken = default)
    {
        await using var unit = await units.BeginAsync(cancellationToken);
        await unit.Db.UnprocessedDeliveries.Where(d => d.ChannelId == channelId).ExecuteDeleteAsync(cancellationToken);
        await unit.CommitAsync(cancellationToken);
    }
}
