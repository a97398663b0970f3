using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Channels.Api;

/// <summary>What the API channel's inbound endpoint checks before it reads a body.</summary>
public sealed record ApiChannelState(int Id, bool IsActive, bool IsDeleted, string? ApiTokenHash);

/// <summary>
/// The API channels' inbound checks, read from the database at most once per channel every <see cref="MaxAge"/>
/// instead of on every request (at thousands of messages a second that read cost more than storing the message).
/// Changes made through <see cref="ChannelAdminService"/> apply at once. A refusal is always decided on a fresh read, so
/// a new token or a channel switched on elsewhere works at once; a token revoked by another app instance may still be
/// accepted for up to <see cref="MaxAge"/>. Storing never relies on this: the inbound writer re-reads the channel inside
/// its transaction.
/// </summary>
public sealed class ApiChannelDirectory(IDbContextFactory<TalkToMeDbContext> factory, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private static readonly Func<TalkToMeDbContext, int, Task<ApiChannelState?>> Query = EF.CompileAsyncQuery(
        (TalkToMeDbContext db, int id) => db.Channels
            .Where(c => c.Id == id && c.Type == ChannelType.Api)
            .Select(c => new ApiChannelState(c.Id, c.IsActive, c.DeletedAt != null, c.ApiTokenHash))
            .FirstOrDefault());

    private readonly ConcurrentDictionary<int, (ApiChannelState? State, long ReadAt)> _states = new();

    /// <param name="fresh">Read the database now (callers do before refusing a request on a remembered state).</param>
    public async Task<ApiChannelState?> FindAsync(int channelId, CancellationToken cancellationToken, bool fresh = false)
    {
        var now = time.GetTimestamp();
        if (!fresh && _states.TryGetValue(channelId, out var known) && time.GetElapsedTime(known.ReadAt, now) < MaxAge)
        {
            return known.State;
        }

        ApiChannelState? state;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            state = await Query(db, channelId);
        }

        _states[channelId] = (state, now);
        return state;
    }

    /// <summary>The channel was created, edited, switched, deleted or got a new token: read it again next time.</summary>
    public void Forget(int channelId) => _states.TryRemove(channelId, out _);
}
