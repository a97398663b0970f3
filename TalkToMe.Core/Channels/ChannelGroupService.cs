using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Channels;

/// <param name="AgentIds">The group's agents (its team); null leaves them as they are (the admin API before teams).</param>
/// <param name="AssignMode">Automatic assignment for the group's channels; null leaves it as it is.</param>
public sealed record ChannelGroupInput(string? Name, string? Description, IReadOnlyList<int>? ChannelIds,
    IReadOnlyList<string>? AgentIds = null, GroupAssignMode? AssignMode = null);

public sealed record ChannelGroupView(int Id, string Name, string? Description, IReadOnlyList<ChannelRef> Channels)
{
    /// <summary>The agents who answer the group's channels, by name.</summary>
    public IReadOnlyList<AgentRef> Agents { get; init; } = [];

    /// <summary>Automatic assignment for every channel of the group, or left to each channel.</summary>
    public GroupAssignMode AssignMode { get; init; }
}

public sealed record AgentRef(string Id, string Name);

/// <summary>
/// "Grupos de Canais": a channel may be in several groups; deleted channels are never listed. One unit of work per change,
/// the group's row locked before its members are read (PostgreSQL), so two edits of one group take turns. A change of a
/// group's agents or channels changes what its agents may see (<see cref="ChannelAccess"/>): they are signalled after the
/// commit, so their open pages and hub connections catch up at once. A group's automatic assignment mode overrides its
/// channels' own: any change of the mode or of the channels puts the mode in force on the channels it touches, in the same unit
/// (<see cref="AutoAssigner.ApplyGroupModesAsync"/>).
/// </summary>
public sealed class ChannelGroupService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units,
    ChannelAccessSignal? accessChanged = null, AutoAssignSignal? assignModes = null)
{
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 500;

    public async Task<IReadOnlyList<ChannelGroupView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var groups = await db.ChannelGroups.AsNoTrackingWithIdentityResolution().Include(g => g.Channels).Include(g => g.Agents).OrderBy(g => g.Name).ToListAsync(cancellationToken);
        return groups.Select(ToView).ToList();
    }

    public async Task<ChannelGroupView?> GetAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var group = await db.ChannelGroups.AsNoTrackingWithIdentityResolution().Include(g => g.Channels).Include(g => g.Agents).FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        return group is null ? null : ToView(group);
    }

    public async Task<AdminResult<ChannelGroupView>> CreateAsync(ClaimsPrincipal caller, ChannelGroupInput input, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var (errors, channels, agents) = await ValidateAsync(db, input, cancellationToken);
        if (errors.Count > 0)
        {
            return AdminResult<ChannelGroupView>.Invalid(errors);
        }

        var group = new ChannelGroup(input.Name!, input.Description);
        group.SetChannels(channels);
        group.SetAgents(agents ?? []);
        group.SetAssignMode(input.AssignMode ?? GroupAssignMode.ChannelDecides);
        db.ChannelGroups.Add(group);
        await unit.SaveChangesAsync(cancellationToken);
        await AutoAssigner.ApplyGroupModesAsync(unit, group.Channels.Select(c => c.Id), cancellationToken);
        await unit.CommitAsync(cancellationToken);
        accessChanged?.Changed(group.Agents.Select(a => a.Id).ToList());
        assignModes?.ModeChanged();
        return AdminResult<ChannelGroupView>.Ok((await GetAsync(group.Id, cancellationToken))!);
    }

    public async Task<AdminResult<ChannelGroupView>> UpdateAsync(ClaimsPrincipal caller, int id, ChannelGroupInput input, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        await unit.LockAsync<ChannelGroup>(id, cancellationToken);
        var group = await db.ChannelGroups.Include(g => g.Channels).Include(g => g.Agents).FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (group is null)
        {
            return AdminResult<ChannelGroupView>.Missing();
        }

        var (errors, channels, agents) = await ValidateAsync(db, input, cancellationToken);
        if (errors.Count > 0)
        {
            return AdminResult<ChannelGroupView>.Invalid(errors);
        }

        // Everyone who was or is in the team: their channels may have changed either way. Likewise the channels' modes.
        var affected = group.Agents.Select(a => a.Id).ToHashSet();
        var channelsTouched = group.Channels.Select(c => c.Id).ToHashSet();
        group.Update(input.Name!, input.Description);
        if (input.AssignMode is { } mode)
        {
            group.SetAssignMode(mode);
        }

        // A deleted channel's membership stays (history); only live channels are chosen in the form.
        group.SetChannels(channels.Concat(group.Channels.Where(c => c.DeletedAt != null)));
        if (agents is not null)
        {
            group.SetAgents(agents);
        }

        affected.UnionWith(group.Agents.Select(a => a.Id));
        channelsTouched.UnionWith(group.Channels.Select(c => c.Id));
        await unit.SaveChangesAsync(cancellationToken);
        await AutoAssigner.ApplyGroupModesAsync(unit, channelsTouched, cancellationToken);
        await unit.CommitAsync(cancellationToken);
        accessChanged?.Changed(affected);
        assignModes?.ModeChanged();
        return AdminResult<ChannelGroupView>.Ok((await GetAsync(id, cancellationToken))!);
    }

    public async Task<bool> DeleteAsync(ClaimsPrincipal caller, int id, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var group = await db.ChannelGroups.Include(g => g.Agents).Include(g => g.Channels).FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (group is null)
        {
            return false;
        }

        var affected = group.Agents.Select(a => a.Id).ToList();
        var channelsTouched = group.Channels.Select(c => c.Id).ToList();
        db.ChannelGroups.Remove(group);
        await unit.SaveChangesAsync(cancellationToken);
        // Its channels go back to their own mode (or another group's).
        await AutoAssigner.ApplyGroupModesAsync(unit, channelsTouched, cancellationToken);
        await unit.CommitAsync(cancellationToken);
        accessChanged?.Changed(affected);
        assignModes?.ModeChanged();
        return true;
    }

    /// <summary>
    /// Who can be put in a team: every active user, by name (admins too: they receive conversations as well). A deactivated
    /// member stays in the group (they see nothing and receive nothing while deactivated) and is listed by the group itself.
    /// </summary>
    public async Task<IReadOnlyList<AgentRef>> AgentChoicesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().Where(u => !u.IsDeactivated).OrderBy(u => u.DisplayName)
            .Select(u => new AgentRef(u.Id, u.DisplayName == "" ? u.Email ?? u.Id : u.DisplayName)).ToListAsync(cancellationToken);
    }

    private static async Task<(Dictionary<string, string> Errors, List<Channel> Channels, List<AppUser>? Agents)> ValidateAsync(TalkToMeDbContext db,
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

        if (input.AssignMode is { } mode && !Enum.IsDefined(mode))
        {
            errors["AssignMode"] = ServerText.Get("Error.AutoAssignMode", "Modo de atribuição inválido.");
        }

        var ids = (input.ChannelIds ?? []).Distinct().ToList();
        var channels = await db.Channels.Where(c => ids.Contains(c.Id) && c.DeletedAt == null).ToListAsync(cancellationToken);
        if (channels.Count != ids.Count)
        {
            errors["ChannelIds"] = ServerText.Get("Error.ChannelsMissing", "Um ou mais canais não existem.");
        }

        List<AppUser>? agents = null;
        if (input.AgentIds is not null)
        {
            var agentIds = input.AgentIds.Distinct().ToList();
            agents = await db.Users.Where(u => agentIds.Contains(u.Id)).ToListAsync(cancellationToken);
            if (agents.Count != agentIds.Count)
            {
                errors["AgentIds"] = ServerText.Get("Error.AgentsMissing", "Um ou mais agentes não existem.");
            }
        }

        return (errors, channels, agents);
    }

    private static ChannelGroupView ToView(ChannelGroup g) => new(
        g.Id,
        g.Name,
        g.Description,
        g.Channels.Where(c => c.DeletedAt == null).OrderBy(c => c.Name).Select(c => new ChannelRef(c.Id, c.Name)).ToList())
    {
        Agents = g.Agents.OrderBy(a => a.DisplayName).Select(a => new AgentRef(a.Id, a.DisplayName == "" ? a.Email ?? a.Id : a.DisplayName)).ToList(),
        AssignMode = g.AssignMode,
    };
}
