using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Flows;

public sealed record FlowSummary(int Id, string Name, int StepCount, IReadOnlyList<string> UsedBy);

/// <summary>A flow as the editor holds it (mutable, bound to the form).</summary>
public sealed class FlowDraft
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public List<FlowStepDraft> Steps { get; set; } = [];
}

public sealed class FlowStepDraft
{
    public FlowStepType Type { get; set; }
    public string Text { get; set; } = "";
    public string? AnswerKey { get; set; }
    public bool StoreOnContact { get; set; }
    public List<MenuOptionDraft> Options { get; set; } = [];
    public int? TransferGroupId { get; set; }
    public string? TransferAgentId { get; set; }
    public bool AskComment { get; set; }
}

public sealed class MenuOptionDraft
{
    public string Label { get; set; } = "";
    public MenuTargetType Target { get; set; } = MenuTargetType.Step;
    public string? TargetValue { get; set; }
}

public sealed record FlowSaveResult(int? FlowId, IReadOnlyDictionary<string, string> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Admin-only editing of flows ("Fluxos"). Every call checks the caller itself; bad input returns field messages and
/// stores nothing; a flow a channel uses cannot be deleted. Each change is one unit of work with the flow's row locked
/// first (PostgreSQL), so two admins saving one flow take turns instead of replacing each other's steps halfway.
/// </summary>
public sealed partial class FlowAdminService(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, TimeProvider time)
{
    public const int MaxSteps = 50;

    public async Task<IReadOnlyList<FlowSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var flows = await db.Flows.AsNoTracking().OrderBy(f => f.Name)
            .Select(f => new { f.Id, f.Name, Count = f.Steps.Count }).ToListAsync(cancellationToken);
        var usage = await db.Channels.AsNoTracking().Where(c => c.DeletedAt == null && (c.EntryFlowId != null || c.ExitFlowId != null))
            .Select(c => new { c.Name, c.EntryFlowId, c.ExitFlowId }).ToListAsync(cancellationToken);
        return flows.Select(f => new FlowSummary(f.Id, f.Name, f.Count,
            usage.Where(c => c.EntryFlowId == f.Id || c.ExitFlowId == f.Id).Select(c => c.Name).OrderBy(n => n).ToList())).ToList();
    }

    public async Task<FlowDraft?> GetAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var flow = await db.Flows.AsNoTracking().Include(f => f.Steps).FirstOrDefaultAsync(f => f.Id == id, cancellationToken);
        return flow is null ? null : new FlowDraft
        {
            Id = flow.Id,
            Name = flow.Name,
            Steps = flow.OrderedSteps().Select(s => new FlowStepDraft
            {
                Type = s.Type,
                Text = s.Text,
                AnswerKey = s.AnswerKey,
                StoreOnContact = s.StoreOnContact,
                TransferGroupId = s.TransferGroupId,
                TransferAgentId = s.TransferAgentId,
                AskComment = s.AskComment == true,
                Options = s.Options.Select(o => new MenuOptionDraft { Label = o.Label, Target = o.Target, TargetValue = o.TargetValue }).ToList(),
            }).ToList(),
        };
    }

    public async Task<FlowSaveResult> SaveAsync(Actor caller, FlowDraft draft, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        if (draft.Id != 0)
        {
            await unit.LockAsync<Flow>(draft.Id, cancellationToken);
        }

        var errors = await ValidateAsync(db, draft, cancellationToken);
        if (errors.Count > 0)
        {
            return new FlowSaveResult(null, errors);
        }

        Flow flow;
        if (draft.Id == 0)
        {
            flow = new Flow(draft.Name, time.GetUtcNow().UtcDateTime);
            db.Flows.Add(flow);
        }
        else
        {
            var existing = await db.Flows.Include(f => f.Steps).FirstOrDefaultAsync(f => f.Id == draft.Id, cancellationToken);
            if (existing is null)
            {
                return new FlowSaveResult(null, new Dictionary<string, string> { [""] = ServerText.Get("Error.FlowGone", "Este fluxo não existe mais.") });
            }

            flow = existing;
            flow.Rename(draft.Name);
        }

        flow.ReplaceSteps(draft.Steps.Select(ToStep));
        await unit.CommitAsync(cancellationToken);
        return new FlowSaveResult(flow.Id, new Dictionary<string, string>());
    }

    /// <summary>Deletes a flow; returns the reason when refused (a channel uses it), null when deleted.</summary>
    public async Task<string?> DeleteAsync(Actor caller, int id, CancellationToken cancellationToken = default)
    {
        RequireAdmin(caller);
        await using var unit = await units.BeginAsync(cancellationToken);
        var db = unit.Db;
        // A channel that starts using the flow meanwhile waits for this delete, then finds the flow gone.
        await unit.LockAsync<Flow>(id, cancellationToken);
        var flow = await db.Flows.FirstOrDefaultAsync(f => f.Id == id, cancellationToken);
        if (flow is null)
        {
            return null;
        }

        var channels = await db.Channels.Where(c => c.EntryFlowId == id || c.ExitFlowId == id).ToListAsync(cancellationToken);
        var inUse = channels.Where(c => !c.IsDeleted).Select(c => c.Name).OrderBy(n => n).ToList();
        if (inUse.Count > 0)
        {
            return ServerText.Get("Error.FlowInUse",
                "O fluxo \"{0}\" está em uso pelos canais: {1}. Escolha outro fluxo nesses canais antes de excluí-lo.",
                flow.Name, string.Join(", ", inUse));
        }

        // Deleted channels keep their history, not their flows.
        foreach (var channel in channels)
        {
            channel.SetFlows(channel.EntryFlowId == id ? null : channel.EntryFlowId, channel.ExitFlowId == id ? null : channel.ExitFlowId);
        }

        db.Flows.Remove(flow);
        await unit.CommitAsync(cancellationToken);
        return null;
    }

    public async Task<IReadOnlyList<(int Id, string Name)>> GroupsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var groups = await db.ChannelGroups.AsNoTracking().OrderBy(g => g.Name).Select(g => new { g.Id, g.Name }).ToListAsync(cancellationToken);
        return groups.Select(g => (g.Id, g.Name)).ToList();
    }

    public async Task<IReadOnlyList<(string Id, string Name)>> AgentsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var agents = await db.Set<AppUser>().AsNoTracking().Where(u => !u.IsDeactivated).OrderBy(u => u.DisplayName)
            .Select(u => new { u.Id, u.DisplayName }).ToListAsync(cancellationToken);
        return agents.Select(a => (a.Id, a.DisplayName)).ToList();
    }

    private static async Task<Dictionary<string, string>> ValidateAsync(TalkToMeDbContext db, FlowDraft draft, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>();
        var name = draft.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            errors["Name"] = ServerText.Get("Error.FlowNameRequired", "Informe o nome do fluxo.");
        }
        else if (name.Length > 100)
        {
            errors["Name"] = ServerText.Get("Error.NameMax100", "O nome pode ter no máximo 100 caracteres.");
        }
        else if (await db.Flows.AnyAsync(f => f.Name == name && f.Id != draft.Id, cancellationToken))
        {
            errors["Name"] = ServerText.Get("Error.FlowNameTaken", "Já existe um fluxo com esse nome.");
        }

        if (draft.Steps.Count == 0)
        {
            errors["Steps"] = ServerText.Get("Error.StepRequired", "Adicione pelo menos um passo.");
        }
        else if (draft.Steps.Count > MaxSteps)
        {
            errors["Steps"] = ServerText.Get("Error.FlowMaxSteps", "Um fluxo pode ter no máximo {0} passos.", MaxSteps);
        }

        var groupIds = (await db.ChannelGroups.Select(g => g.Id).ToListAsync(cancellationToken)).ToHashSet();
        var agentIds = (await db.Set<AppUser>().Where(u => !u.IsDeactivated).Select(u => u.Id).ToListAsync(cancellationToken)).ToHashSet();
        for (var i = 0; i < draft.Steps.Count; i++)
        {
            var step = draft.Steps[i];
            var key = $"Steps[{i}]";
            var textRequired = step.Type is FlowStepType.Message or FlowStepType.Question or FlowStepType.Menu;
            if (textRequired && string.IsNullOrWhiteSpace(step.Text))
            {
                errors[key + ".Text"] = ServerText.Get("Error.StepTextRequired", "Informe o texto do passo.");
            }
            else if ((step.Text?.Length ?? 0) > 4000)
            {
                errors[key + ".Text"] = ServerText.Get("Error.TextMax4000", "O texto pode ter no máximo 4000 caracteres.");
            }

            var answerKey = step.AnswerKey?.Trim();
            if (step.Type == FlowStepType.Question && string.IsNullOrEmpty(answerKey))
            {
                errors[key + ".AnswerKey"] = ServerText.Get("Error.AnswerKeyRequired", "Informe a chave em que a resposta será guardada.");
            }
            else if (step.Type is FlowStepType.Question or FlowStepType.Menu && !string.IsNullOrEmpty(answerKey) && !KeyPattern().IsMatch(answerKey))
            {
                errors[key + ".AnswerKey"] = ServerText.Get("Error.AnswerKeyFormat", "Use só letras, números e _ (até 50), por exemplo nome_cliente.");
            }

            if (step.Type == FlowStepType.Menu)
            {
                if (step.Options.Count == 0)
                {
                    errors[key + ".Options"] = ServerText.Get("Error.OptionRequired", "Adicione pelo menos uma opção.");
                }

                for (var o = 0; o < step.Options.Count; o++)
                {
                    var option = step.Options[o];
                    var optionKey = $"{key}.Options[{o}]";
                    if (string.IsNullOrWhiteSpace(option.Label))
                    {
                        errors[optionKey + ".Label"] = ServerText.Get("Error.OptionTextRequired", "Informe o texto da opção.");
                    }

                    var target = option.TargetValue?.Trim();
                    var targetError = option.Target switch
                    {
                        MenuTargetType.Step when !int.TryParse(target, out var n) || n < 1 || n > draft.Steps.Count =>
                            ServerText.Get("Error.ChooseStepRange", "Escolha um passo entre 1 e {0}.", draft.Steps.Count),
                        MenuTargetType.ChannelGroup when !int.TryParse(target, out var g) || !groupIds.Contains(g) => ServerText.Get("Error.ChooseChannelGroup", "Escolha um grupo de canais."),
                        MenuTargetType.Agent when target is null || !agentIds.Contains(target) => ServerText.Get("Error.ChooseAgent", "Escolha um agente."),
                        _ => null,
                    };
                    if (targetError is not null)
                    {
                        errors[optionKey + ".TargetValue"] = targetError;
                    }
                }
            }

            if (step.Type == FlowStepType.Transfer)
            {
                if (step.TransferGroupId is { } g && !groupIds.Contains(g))
                {
                    errors[key + ".TransferGroupId"] = ServerText.Get("Error.ChannelGroupMissing", "Esse grupo de canais não existe.");
                }

                if (!string.IsNullOrEmpty(step.TransferAgentId) && !agentIds.Contains(step.TransferAgentId))
                {
                    errors[key + ".TransferAgentId"] = ServerText.Get("Error.AgentMissingOrInactive", "Esse agente não existe ou está desativado.");
                }
            }
        }

        return errors;
    }

    private static FlowStep ToStep(FlowStepDraft draft)
    {
        var step = new FlowStep(draft.Type, draft.Text?.Trim() ?? "");
        if (draft.Type is FlowStepType.Question or FlowStepType.Menu)
        {
            step.AnswerKey = string.IsNullOrWhiteSpace(draft.AnswerKey) ? null : draft.AnswerKey.Trim();
            step.StoreOnContact = draft.StoreOnContact;
        }

        if (draft.Type == FlowStepType.Menu)
        {
            step.Options = draft.Options.Select(o => new MenuOption(o.Label.Trim(), o.Target,
                o.Target == MenuTargetType.End ? null : o.TargetValue?.Trim())).ToList();
        }

        if (draft.Type == FlowStepType.Rating)
        {
            step.AskComment = draft.AskComment;
        }

        if (draft.Type == FlowStepType.Transfer)
        {
            step.TransferGroupId = draft.TransferGroupId;
            step.TransferAgentId = string.IsNullOrEmpty(draft.TransferAgentId) ? null : draft.TransferAgentId;
        }

        return step;
    }

    private static void RequireAdmin(Actor caller)
    {
        if (!caller.IsAdmin)
        {
            throw new UnauthorizedAccessException("Somente administradores podem alterar fluxos.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,50}$")]
    private static partial Regex KeyPattern();
}
