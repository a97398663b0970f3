using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Conversations;

public sealed record MacroRow(int Id, string Name, IReadOnlyList<MacroAction> Actions);

/// <summary>
/// Admins define macros (named, ordered actions; one unit of work per change, so the labels and agents checked are the
/// ones there at the write); agents list them and run them through <see cref="MacroRunner"/>.
/// </summary>
public sealed class MacroService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units)
{
    public async Task<IReadOnlyList<MacroRow>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var macros = await db.Macros.AsNoTracking().OrderBy(m => m.Name).ToListAsync(cancellationToken);
        return macros.Select(m => new MacroRow(m.Id, m.Name, m.Actions.ToList())).ToList();
    }

    /// <summary>Field errors use "Name" and "Actions[i]" keys; nothing is stored when any is present.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SaveAsync(Actor actor, int? id, string name,
        IReadOnlyList<MacroAction> actions, CancellationToken cancellationToken = default)
    {
        AdminGuard.Require(actor);
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            errors["Name"] = ServerText.Get("Error.NameRequired", "Informe o nome.");
        }
        else if (name.Trim().Length > 80)
        {
            errors["Name"] = ServerText.Get("Error.Max80Characters", "Use no máximo 80 caracteres.");
        }

        if (actions.Count == 0)
        {
            errors["Actions"] = ServerText.Get("Error.ActionRequired", "Adicione pelo menos uma ação.");
        }

        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        var labels = await db.Labels.AsNoTracking().Select(l => l.Name).ToListAsync(cancellationToken);
        var agents = await db.Users.AsNoTracking().Where(u => !u.IsDeactivated).Select(u => u.Id).ToListAsync(cancellationToken);
        var cleaned = new List<MacroAction>();
        for (var i = 0; i < actions.Count; i++)
        {
            var action = actions[i];
            var value = action.Value?.Trim();
            var error = action.Type switch
            {
                MacroActionType.SendMessage or MacroActionType.AddPrivateNote when string.IsNullOrWhiteSpace(value) =>
                    ServerText.Get("Error.TextRequired", "Informe o texto."),
                MacroActionType.AddLabel or MacroActionType.RemoveLabel when !labels.Contains(value?.ToLowerInvariant() ?? "") =>
                    ServerText.Get("Error.ChooseExistingLabel", "Escolha uma etiqueta existente."),
                MacroActionType.Assign when !string.IsNullOrEmpty(value) && !agents.Contains(value) =>
                    ServerText.Get("Error.ChooseActiveAgent", "Escolha um agente ativo."),
                MacroActionType.ChangePriority when !Enum.TryParse<ConversationPriority>(value, out _) =>
                    ServerText.Get("Error.ChoosePriority", "Escolha uma prioridade."),
                MacroActionType.Snooze when !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
                    || minutes < 1 || minutes > 60 * 24 * 90 =>
                    ServerText.Get("Error.SnoozeMinutesRange", "Informe os minutos (1 a 129600)."),
                _ => null,
            };
            if (error is not null)
            {
                errors[$"Actions[{i}]"] = error;
            }

            cleaned.Add(action with
            {
                Value = action.Type switch
                {
                    MacroActionType.Resolve => null,
                    MacroActionType.AddLabel or MacroActionType.RemoveLabel => value?.ToLowerInvariant(),
                    MacroActionType.Assign => string.IsNullOrEmpty(value) ? null : value,
                    _ => value,
                },
            });
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        if (id is { } existingId)
        {
            var macro = await db.Macros.FirstOrDefaultAsync(m => m.Id == existingId, cancellationToken);
            if (macro is null)
            {
                errors["Name"] = ServerText.Get("Error.MacroNotFound", "Macro não encontrada.");
                return errors;
            }

            macro.Update(name, cleaned);
        }
        else
        {
            db.Macros.Add(new Macro(name, cleaned));
        }

        await unit.CommitAsync(cancellationToken);
        return errors;
    }

    public async Task DeleteAsync(Actor actor, int id, CancellationToken cancellationToken = default)
    {
        AdminGuard.Require(actor);
        await units.InTransactionAsync(unit => unit.Db.Macros.Where(m => m.Id == id).ExecuteDeleteAsync(cancellationToken), cancellationToken);
    }
}
