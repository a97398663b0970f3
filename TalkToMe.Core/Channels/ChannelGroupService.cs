using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Channels;

public sealed record ChannelGroupInput(string? Name, string? Description, IReadOnlyList<int>? ChannelIds);

public sealed record ChannelGroupView(int Id, string Name, string? Description, IReadOnlyList<ChannelRef> Channels);

/// <summary>
/// "Grupos de Canais": a channel may be in several groups; deleted channels are never listed. One unit of work per change,
/// the group's row locked before its members are read (PostgreSQL), so two edits of one group take turns.
/// </summary>
public sealed class ChannelGroupService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units)
{
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 500;

    public async Task<IReadOnlyList<ChannelGroupView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var groups = await db.ChannelGroups.AsNoTrackingWithIdentityResolution().Include(g => g.Channels).OrderBy(g => g.Name).ToListAsync(cancellationToken);
        return groups.Select(ToView).ToList();
    }

    public async Task<ChannelGroupView?> GetAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var group = await db.ChannelGroups.AsNoTrackingWithIdentityResolution().Include(g => g.Channels).FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        return group is null ? null : ToView(group);
    }

    public async Task<AdminResult<ChannelGroupView>> CreateAsync(ClaimsPrincipal caller, ChannelGroupInput input, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var (errors, channels) = await ValidateAsync(db, input, cancellationToken);
        if (errors.Count > 0)
        {
            return AdminResult<ChannelGroupView>.Invalid(errors);
        }

        var group = new ChannelGroup(input.Name!, input.Description);
        group.SetChannels(channels);
        db.ChannelGroups.Add(group);
        await unit.CommitAsync(cancellationToken);
        return AdminResult<ChannelGroupView>.Ok((await GetAsync(group.Id, cancellationToken))!);
    }

    public async Task<AdminResult<ChannelGroupView>> UpdateAsync(ClaimsPrincipal caller, int id, ChannelGroupInput input, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        await unit.LockAsync<ChannelGroup>(id, cancellationToken);
        var group = await db.ChannelGroups.Include(g => g.Channels).FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (group is null)
        {
            return AdminResult<ChannelGroupView>.Missing();
        }

        var (errors, channels) = await ValidateAsync(db, input, cancellationToken);
        if (errors.Count > 0)
        {
            return AdminResult<ChannelGroupView>.Invalid(errors);
        }

        group.Update(input.Name!, input.Description);
        // A deleted channel's membership stays (history); only live channels are chosen in the form.
        group.SetChannels(channels.Concat(group.Channels.Where(c => c.DeletedAt != null)));
        await unit.CommitAsync(cancellationToken);
        return AdminResult<ChannelGroupView>.Ok((await GetAsync(id, cancellationToken))!);
    }

    public async Task<bool> DeleteAsync(ClaimsPrincipal caller, int id, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var group = await db.ChannelGroups.FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (group is null)
        {
            return false;
        }

        db.ChannelGroups.Remove(group);
        await unit.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task<(Dictionary<string, string> Errors, List<Channel> Channels)> ValidateAsync(TalkToMeDbContext db,
        ChannelGroupInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(input.Name))
        {
            errors["Name"] = ServerText.Get("Error.GroupNameRequired", "Informe o nome do grupo.");
        }
        else if (input.Name.Trim().Length > MaxNameLength)
        {
            errors["Name"] = ServerText.Get("Error.NameMaxLength", "O nome pode ter no máximo {0} caracteres.", MaxNameLength);
        }

        if (input.Description is { Length: > MaxDescriptionLength })
        {
            errors["Description"] = ServerText.Get("Error.DescriptionMaxLength", "A descrição pode ter no máximo {0} caracteres.", MaxDescriptionLength);
        }

        var ids = (input.ChannelIds ?? []).Distinct().ToList();
        var channels = await db.Channels.Where(c => ids.Contains(c.Id) && c.DeletedAt == null).ToListAsync(cancellationToken);
        if (channels.Count != ids.Count)
        {
            errors["ChannelIds"] = ServerText.Get("Error.ChannelsMissing", "Um ou mais canais não existem.");
        }

        return (errors, channels);
    }

    private static ChannelGroupView ToView(ChannelGroup g) => new(
        g.Id,
        g.Name,
        g.Description,
        g.Channels.Where(c => c.DeletedAt == null).OrderBy(c => c.Name).Select(c => new ChannelRef(c.Id, c.Name)).ToList());
}
