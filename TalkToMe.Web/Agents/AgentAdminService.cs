using TalkToMe.Core;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;

namespace TalkToMe.Web.Agents;

public sealed record AgentRow(string Id, string DisplayName, string Email, string Role, bool IsDeactivated,
    AgentStatus Status = AgentStatus.Offline, int? Capacity = null)
{
    /// <summary>"Só os canais dos seus grupos" (<see cref="AppUser.RestrictedToGroups"/>).</summary>
    public bool RestrictedToGroups { get; init; }

    /// <summary>The names of the channel groups the agent answers (their teams), in name order.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
}

public sealed record NewAgent(string DisplayName, string Email, string Password, string Role);

public sealed record AgentEdit(string DisplayName, string Email, string Role, int? Capacity = null, bool RestrictedToGroups = false);

/// <summary>
/// Admin-only management of agents. Every call checks the caller's role itself: hiding a button is not security.
/// Each call runs in its own DI scope, so a long-lived circuit never holds a stale Identity context.
/// </summary>
public sealed class AgentAdminService(IServiceScopeFactory scopes, TimeProvider time, UserAccessSignal accessChanged, AgentPresence presence)
{
    /// <summary>The most open conversations an agent may be given automatically (a typo's guard, not a product limit).</summary>
    public const int MaxCapacity = 1000;

    public async Task<IReadOnlyList<AgentRow>> ListAsync()
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var all = await users.Users.OrderBy(u => u.DisplayName).AsNoTracking().ToListAsync();
        var admins = (await users.GetUsersInRoleAsync(Roles.Admin)).Select(u => u.Id).ToHashSet();
        var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
        var groups = (await db.ChannelGroups.AsNoTracking().Select(g => new { g.Name, Agents = g.Agents.Select(a => a.Id).ToList() }).ToListAsync())
            .SelectMany(g => g.Agents.Select(id => (Id: id, g.Name))).ToLookup(m => m.Id, m => m.Name);
        return all.Select(u => new AgentRow(u.Id, u.DisplayName, u.Email ?? "", admins.Contains(u.Id) ? Roles.Admin : Roles.Agent,
            u.IsDeactivated, u.Status, u.MaxOpenConversations)
        {
            RestrictedToGroups = u.RestrictedToGroups,
            Groups = groups[u.Id].Order(StringComparer.CurrentCulture).ToList(),
        }).ToList();
    }

    /// <summary>Creates an agent; returns field errors (empty when it worked).</summary>
    public async Task<IReadOnlyDictionary<string, string>> CreateAsync(ClaimsPrincipal caller, NewAgent agent)
    {
        RequireAdmin(caller);
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(agent.DisplayName))
        {
            errors[nameof(NewAgent.DisplayName)] = ServerText.Get("Error.NameRequired", "Informe o nome.");
        }

        if (string.IsNullOrWhiteSpace(agent.Email) || !agent.Email.Contains('@'))
        {
            errors[nameof(NewAgent.Email)] = ServerText.Get("Error.EmailInvalid", "Informe um e-mail válido.");
        }

        if (!Roles.All.Contains(agent.Role))
        {
            errors[nameof(NewAgent.Role)] = ServerText.Get("Error.ChooseRole", "Escolha Admin ou Agent.");
        }

        if (string.IsNullOrEmpty(agent.Password) || agent.Password.Length < 8)
        {
            errors[nameof(NewAgent.Password)] = "A senha precisa de pelo menos 8 caracteres.";
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        if (await users.FindByEmailAsync(agent.Email.Trim()) is not null)
        {
            errors[nameof(NewAgent.Email)] = ServerText.Get("Error.EmailTaken", "Já existe um usuário com este e-mail.");
            return errors;
        }

        var user = new AppUser
        {
            UserName = agent.Email.Trim(),
            Email = agent.Email.Trim(),
            EmailConfirmed = true,
            DisplayName = agent.DisplayName.Trim(),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, agent.Password);
        if (!created.Succeeded)
        {
            errors[nameof(NewAgent.Password)] = string.Join(" ", created.Errors.Select(e => e.Description));
            return errors;
        }

        await users.AddToRoleAsync(user, agent.Role);
        return errors;
    }

    /// <summary>
    /// Saves an admin's edit of an agent (name, e-mail, role); returns field errors (empty when saved). An admin cannot
    /// demote themselves: the last word on who is admin must stay with someone who still is one.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> UpdateAsync(ClaimsPrincipal caller, string userId, AgentEdit edit)
    {
        RequireAdmin(caller);
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(edit.DisplayName))
        {
            errors[nameof(AgentEdit.DisplayName)] = "Informe o nome.";
        }

        if (string.IsNullOrWhiteSpace(edit.Email) || !edit.Email.Contains('@'))
        {
            errors[nameof(AgentEdit.Email)] = "Informe um e-mail válido.";
        }

        if (!Roles.All.Contains(edit.Role))
        {
            errors[nameof(AgentEdit.Role)] = "Escolha Admin ou Agent.";
        }
        else if (edit.Role != Roles.Admin && caller.FindFirstValue(ClaimTypes.NameIdentifier) == userId)
        {
            errors[nameof(AgentEdit.Role)] = "Você não pode tirar o seu próprio papel de Admin.";
        }

        if (edit.RestrictedToGroups && edit.Role == Roles.Admin)
        {
            errors[nameof(AgentEdit.RestrictedToGroups)] = ServerText.Get("Error.AdminNotRestricted",
                "Administradores veem todos os canais: a restrição vale só para agentes.");
        }

        if (edit.Capacity is < 0 or > MaxCapacity)
        {
            errors[nameof(AgentEdit.Capacity)] = ServerText.Get("Error.Capacity", "Informe de 0 a {0} conversas, ou deixe vazio para não limitar.", MaxCapacity);
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId) ?? throw new KeyNotFoundException("Agente não encontrado.");
        if (edit.RestrictedToGroups && !user.RestrictedToGroups
            && !await scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>().ChannelGroups.AnyAsync(g => g.Agents.Any(a => a.Id == userId)))
        {
            // Restricted and in no group, the agent would see no conversation at all: almost certainly not what was meant.
            errors[nameof(AgentEdit.RestrictedToGroups)] = ServerText.Get("Error.RestrictedWithoutGroup",
                "Este agente não está em nenhum grupo de canais: restrito, não veria nenhuma conversa. Adicione-o a um grupo em Grupos de Canais primeiro.");
            return errors;
        }

        var email = edit.Email.Trim();
        if (await users.FindByEmailAsync(email) is { } other && other.Id != user.Id)
        {
            errors[nameof(AgentEdit.Email)] = "Já existe um usuário com este e-mail.";
            return errors;
        }

        user.DisplayName = edit.DisplayName.Trim();
        var restrictionChanged = user.RestrictedToGroups != edit.RestrictedToGroups;
        user.RestrictedToGroups = edit.RestrictedToGroups;
        var emailChanged = !string.Equals(user.Email, email, StringComparison.OrdinalIgnoreCase);
        user.Email = email;
        user.UserName = email;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            errors[nameof(AgentEdit.Email)] = string.Join(" ", updated.Errors.Select(e => e.Description));
            return errors;
        }

        var isAdmin = await users.IsInRoleAsync(user, Roles.Admin);
        var roleChanged = isAdmin != (edit.Role == Roles.Admin);
        if (roleChanged)
        {
            await users.RemoveFromRolesAsync(user, (await users.GetRolesAsync(user)).ToList());
            await users.AddToRoleAsync(user, edit.Role);
        }

        if (user.MaxOpenConversations != edit.Capacity)
        {
            // Written on its own (not through UserManager, which rewrites the whole row): the status columns change underneath.
            await presence.SetCapacityAsync(user.Id, edit.Capacity);
        }

        if (roleChanged || emailChanged)
        {
            // The agent's cookies carry the old role and name; a new stamp makes them sign in again, and their open
            // pages are signed out now (a demoted admin loses the admin pages at once).
            await users.UpdateSecurityStampAsync(user);
            accessChanged.Changed(user.Id);
        }
        else if (restrictionChanged)
        {
            // The sign-in stays good; the agent's open pages re-read the channels they may see and their hub connections
            // are closed, to reconnect into them.
            accessChanged.Changed(user.Id);
        }

        return errors;
    }

    public async Task SetDeactivatedAsync(ClaimsPrincipal caller, string userId, bool deactivated)
    {
        RequireAdmin(caller);
        if (deactivated && caller.FindFirstValue(ClaimTypes.NameIdentifier) == userId)
        {
            throw new InvalidOperationException(ServerText.Get("Error.CannotDeactivateSelf", "Você não pode desativar a sua própria conta."));
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId) ?? throw new KeyNotFoundException(ServerText.Get("Error.AgentNotFound", "Agente não encontrado."));
        user.IsDeactivated = deactivated;
        await users.UpdateAsync(user);
        // A new security stamp invalidates the agent's existing sign-in cookies; their open pages are signed out now.
        await users.UpdateSecurityStampAsync(user);
        accessChanged.Changed(user.Id);
    }

    private static void RequireAdmin(ClaimsPrincipal caller)
    {
        if (!caller.IsInRole(Roles.Admin))
        {
            throw new UnauthorizedAccessException(ServerText.Get("Error.AdminsManageAgents", "Somente administradores podem gerenciar agentes."));
        }
    }
}
