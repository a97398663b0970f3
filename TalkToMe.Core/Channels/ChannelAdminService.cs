using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Data;
using TalkToMe.Core.KeepAlive;

namespace TalkToMe.Core.Channels;

/// <summary>What an admin sends to create or edit a channel. Null switches keep what is stored (create: Ativo on, Contato ativo off).</summary>
public sealed record ChannelInput(
    string? Name,
    ChannelType Type,
    int? EntryFlowId,
    int? ExitFlowId,
    ChannelSettings? Settings,
    bool? IsActive = null,
    bool? AllowsActiveContact = null);

public sealed record ChannelRef(int Id, string Name);

/// <summary>A channel as admins and agents may see it: secrets masked.</summary>
public sealed record ChannelView(
    int Id,
    string Name,
    ChannelType Type,
    bool IsActive,
    bool AllowsActiveContact,
    ChannelRef? EntryFlow,
    ChannelRef? ExitFlow,
    string PublicKey,
    ChannelSettings Settings,
    KeepAliveSettings KeepAlive,
    IReadOnlyList<ChannelRef> Groups,
    bool HasApiToken,
    DateTime CreatedAt);

/// <summary>
/// A saved channel, plus what is shown exactly once: the channel API token and the keys TalkToMe generated
/// (webhook secrets), keyed by settings property name.
/// </summary>
public sealed record ChannelSaved(ChannelView Channel, string? NewApiToken, IReadOnlyDictionary<string, string> NewSecrets);

/// <summary>
/// Channel administration for the UI and the admin API alike: validation in one place, one unit of work per change,
/// the Keep Alive engine woken after the commit. Reads are open to every signed-in user; changes are admin-only.
/// </summary>
public sealed class ChannelAdminService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, TimeProvider time,
    ApiChannelDirectory? apiChannels = null)
{
    public const int MaxNameLength = 100;
    public const string ApiTokenPrefix = "ttm_ch";

    public async Task<IReadOnlyList<ChannelView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var channels = await Query(db).Where(c => c.DeletedAt == null).OrderBy(c => c.Name).ToListAsync(cancellationToken);
        return channels.Select(ToView).ToList();
    }

    public async Task<ChannelView?> GetAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var channel = await Query(db).FirstOrDefaultAsync(c => c.Id == id && c.DeletedAt == null, cancellationToken);
        return channel is null ? null : ToView(channel);
    }

    /// <summary>The flows a channel can start, for the "Fluxo de entrada" and "Fluxo de saída" selects.</summary>
    public async Task<IReadOnlyList<ChannelRef>> ListFlowsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Flows.AsNoTracking().OrderBy(f => f.Name).Select(f => new ChannelRef(f.Id, f.Name)).ToListAsync(cancellationToken);
    }

    public async Task<AdminResult<ChannelSaved>> CreateAsync(ClaimsPrincipal caller, ChannelInput input, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var errors = await ValidateAsync(db, input, cancellationToken);
        if (!Enum.IsDefined(input.Type))
        {
            errors["Type"] = ServerText.Get("Error.ChannelTypeRequired", "Escolha o tipo do canal.");
        }

        var settings = input.Settings ?? (Enum.IsDefined(input.Type) ? ChannelSettings.CreateFor(input.Type) : null);
        if (settings is not null && Enum.IsDefined(input.Type))
        {
            if (settings.GetType() != ChannelSettings.TypeFor(input.Type))
            {
                errors["Settings"] = ServerText.Get("Error.SettingsTypeMismatch", "As configurações não correspondem ao tipo do canal.");
            }
            else
            {
                ChannelSettingsRules.Validate(settings, errors);
            }
        }

        if (errors.Count > 0 || settings is null)
        {
            return AdminResult<ChannelSaved>.Invalid(errors);
        }

        var before = settings.SecretProperties().ToDictionary(p => p.Name, p => (string?)p.GetValue(settings));
        ChannelSettingsRules.GenerateMissingKeys(settings);
        var generated = settings.SecretProperties()
            .Where(p => string.IsNullOrEmpty(before[p.Name]) && !string.IsNullOrEmpty((string?)p.GetValue(settings)))
            .ToDictionary(p => p.Name, p => (string)p.GetValue(settings)!);

        var channel = new Channel(input.Name!, input.Type, Secrets.NewKey(), time.GetUtcNow().UtcDateTime);
        channel.SetFlows(input.EntryFlowId, input.ExitFlowId);
        channel.SetSwitches(input.IsActive ?? true, input.AllowsActiveContact ?? false);
        channel.SetSettings(settings);
        string? apiToken = null;
        if (input.Type == ChannelType.Api)
        {
            apiToken = Secrets.NewToken(ApiTokenPrefix);
            channel.SetApiTokenHash(Secrets.Hash(apiToken));
        }

        db.Channels.Add(channel);
        await unit.SaveChangesAsync(cancellationToken);
        await CommitChangedAsync(unit, channel.Id, cancellationToken);
        var view = (await GetAsync(channel.Id, cancellationToken))!;
        return AdminResult<ChannelSaved>.Ok(new ChannelSaved(view, apiToken, generated));
    }

    /// <summary>Edits a channel. The type is fixed once created; empty secret fields keep what is stored.</summary>
    public async Task<AdminResult<ChannelView>> UpdateAsync(ClaimsPrincipal caller, int id, ChannelInput input, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var channel = await LockedChannelAsync(unit, id, cancellationToken);
        if (channel is null)
        {
            return AdminResult<ChannelView>.Missing();
        }

        var errors = await ValidateAsync(db, input, cancellationToken);
        if (input.Type != channel.Type)
        {
            errors["Type"] = ServerText.Get("Error.ChannelTypeFixed", "O tipo de um canal não muda depois de criado; crie outro canal.");
        }

        var settings = input.Settings;
        if (settings is not null && input.Type == channel.Type)
        {
            if (settings.GetType() != ChannelSettings.TypeFor(channel.Type))
            {
                errors["Settings"] = ServerText.Get("Error.SettingsTypeMismatch", "As configurações não correspondem ao tipo do canal.");
            }
            else
            {
                var stored = channel.GetSettings();
                settings.KeepSecretsFrom(stored);
                ChannelSettingsRules.KeepGeneratedKeysFrom(settings, stored);
                ChannelSettingsRules.Validate(settings, errors);
            }
        }

        if (errors.Count > 0)
        {
            return AdminResult<ChannelView>.Invalid(errors);
        }

        channel.Rename(input.Name!);
        channel.SetFlows(input.EntryFlowId, input.ExitFlowId);
        channel.SetSwitches(input.IsActive ?? channel.IsActive, input.AllowsActiveContact ?? channel.AllowsActiveContact);
        if (settings is not null)
        {
            ChannelSettingsRules.GenerateMissingKeys(settings);
            channel.SetSettings(settings);
        }

        await CommitChangedAsync(unit, channel.Id, cancellationToken);
        return AdminResult<ChannelView>.Ok((await GetAsync(id, cancellationToken))!);
    }

    /// <summary>"Ativo" and "Contato ativo". With Ativo off nothing comes in or starts, whatever Contato ativo says.</summary>
    public async Task<AdminResult<ChannelView>> SetSwitchesAsync(ClaimsPrincipal caller, int id, bool isActive, bool allowsActiveContact,
        CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var channel = await LockedChannelAsync(unit, id, cancellationToken);
        if (channel is null)
        {
            return AdminResult<ChannelView>.Missing();
        }

        channel.SetSwitches(isActive, allowsActiveContact);
        await CommitChangedAsync(unit, id, cancellationToken);
        return AdminResult<ChannelView>.Ok((await GetAsync(id, cancellationToken))!);
    }

    /// <summary>Stores Keep Alive; it only becomes effective with <see cref="KeepAliveSettings.IsEnabled"/> ("Ativar").</summary>
    public async Task<AdminResult<ChannelView>> ConfigureKeepAliveAsync(ClaimsPrincipal caller, int id, KeepAliveSettings settings,
        CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var channel = await LockedChannelAsync(unit, id, cancellationToken);
        if (channel is null)
        {
            return AdminResult<ChannelView>.Missing();
        }

        var errors = KeepAliveRules.Validate(settings);
        if (errors.Count > 0)
        {
            return AdminResult<ChannelView>.Invalid(errors);
        }

        channel.ConfigureKeepAlive(KeepAliveRules.Normalize(settings));
        await CommitChangedAsync(unit, id, cancellationToken);
        return AdminResult<ChannelView>.Ok((await GetAsync(id, cancellationToken))!);
    }

    /// <summary>A new channel API token (API channels); the old one stops working at once. Shown once.</summary>
    public async Task<AdminResult<string>> RegenerateApiTokenAsync(ClaimsPrincipal caller, int id, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var channel = await LockedChannelAsync(unit, id, cancellationToken);
        if (channel is null)
        {
            return AdminResult<string>.Missing();
        }

        if (channel.Type != ChannelType.Api)
        {
            return AdminResult<string>.Invalid(new Dictionary<string, string> { ["Type"] = ServerText.Get("Error.OnlyApiChannelsHaveToken", "Só canais do tipo API têm token.") });
        }

        var token = Secrets.NewToken(ApiTokenPrefix);
        channel.SetApiTokenHash(Secrets.Hash(token));
        await unit.CommitAsync(cancellationToken);
        apiChannels?.Forget(id);
        return AdminResult<string>.Ok(token);
    }

    /// <summary>Soft delete: the conversations stay readable; the channel leaves every list and takes no new work.</summary>
    public async Task<bool> DeleteAsync(ClaimsPrincipal caller, int id, CancellationToken cancellationToken = default)
    {
        AdminGuard.RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var channel = await LockedChannelAsync(unit, id, cancellationToken);
        if (channel is null)
        {
            return false;
        }

        channel.Delete(time.GetUtcNow().UtcDateTime);
        await CommitChangedAsync(unit, id, cancellationToken);
        return true;
    }

    private static async Task<Dictionary<string, string>> ValidateAsync(TalkToMeDbContext db, ChannelInput input, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(input.Name))
        {
            errors["Name"] = ServerText.Get("Error.ChannelNameRequired", "Informe o nome do canal.");
        }
        else if (input.Name.Trim().Length > MaxNameLength)
        {
            errors["Name"] = ServerText.Get("Error.NameMaxLength", "O nome pode ter no máximo {0} caracteres.", MaxNameLength);
        }

        foreach (var (field, flowId) in new[] { ("EntryFlowId", input.EntryFlowId), ("ExitFlowId", input.ExitFlowId) })
        {
            if (flowId is { } fid && !await db.Flows.AnyAsync(f => f.Id == fid, cancellationToken))
            {
                errors[field] = ServerText.Get("Error.FlowNotFound", "Fluxo não encontrado.");
            }
        }

        return errors;
    }

    private static IQueryable<Channel> Query(TalkToMeDbContext db) =>
        db.Channels.AsNoTrackingWithIdentityResolution().Include(c => c.Groups).Include(c => c.EntryFlow).Include(c => c.ExitFlow);

    private static ChannelView ToView(Channel c) => new(
        c.Id,
        c.Name,
        c.Type,
        c.IsActive,
        c.AllowsActiveContact,
        c.EntryFlow is null ? null : new ChannelRef(c.EntryFlow.Id, c.EntryFlow.Name),
        c.ExitFlow is null ? null : new ChannelRef(c.ExitFlow.Id, c.ExitFlow.Name),
        c.PublicKey,
        c.GetSettings().Masked(),
        c.KeepAlive,
        c.Groups.OrderBy(g => g.Name).Select(g => new ChannelRef(g.Id, g.Name)).ToList(),
        c.ApiTokenHash is not null,
        c.CreatedAt);

    /// <summary>
    /// The live channel to change, its row locked first (PostgreSQL): two admins changing one channel take turns, so
    /// neither saves settings read before the other's save. SQLite's writer already holds the database.
    /// </summary>
    private static async Task<Channel?> LockedChannelAsync(UnitOfWork unit, int id, CancellationToken cancellationToken)
    {
        await unit.LockAsync<Channel>(id, cancellationToken);
        return await unit.Db.Channels.FirstOrDefaultAsync(c => c.Id == id && c.DeletedAt == null, cancellationToken);
    }

    /// <summary>After the commit the Keep Alive engine recomputes the channel's deadlines and the API channel cache forgets it.</summary>
    private async Task CommitChangedAsync(UnitOfWork unit, int channelId, CancellationToken cancellationToken)
    {
        unit.KeepAliveChannelChanged(channelId);
        await unit.CommitAsync(cancellationToken);
        apiChannels?.Forget(channelId);
    }
}
