using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TalkToMe.Core.Flows;

namespace TalkToMe.Web.Components.Pages.Flows;

/// <summary>
/// The flow editor: one card per step (Mensagem, Pergunta, Menu, Transferir, Encerrar). The server validates on save and
/// answers with messages keyed by field ("Steps[1].AnswerKey"); a message goes as soon as its field changes.
/// </summary>
public sealed partial class FlowEditor
{
    private FlowDraft? _draft = new();
    private bool _loaded;
    private int? _loadedId;
    private Dictionary<string, string> _errors = [];
    private bool _saving;
    private bool _saved;
    private IReadOnlyList<(int Id, string Name)> _groups = [];
    private IReadOnlyList<(string Id, string Name)> _agents = [];

    [Parameter]
    public int? Id { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    private FlowAdminService FlowService { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        // Parameters are set again when a cascading value changes (the authentication state): reloading then would
        // throw away what the admin has edited since. Load only for a new flow id.
        if (_loaded && _loadedId == Id)
        {
            return;
        }

        (_loaded, _loadedId) = (true, Id);
        _groups = await FlowService.GroupsAsync();
        _agents = await FlowService.AgentsAsync();
        _draft = Id is { } id ? await FlowService.GetAsync(id) : new FlowDraft { Steps = [new FlowStepDraft { Type = FlowStepType.Message }] };
        _errors = [];
    }

    private string TypeName(FlowStepType type) => L[$"Flows.Type.{type}"];

    private string StoreOnName(bool onContact) => onContact ? L["Flows.StoreOnContact"] : L["Flows.StoreOnConversation"];

    private string TargetName(MenuTargetType target) => target switch
    {
        MenuTargetType.Step => L["Flows.TargetStep"],
        MenuTargetType.ChannelGroup => L["Flows.TargetGroup"],
        MenuTargetType.Agent => L["Flows.TargetAgent"],
        _ => L["Flows.TargetEnd"],
    };

    private string GroupName(int? id) => id is null ? L["Flows.AnyAgent"] : _groups.FirstOrDefault(g => g.Id == id).Name ?? "";

    private string AgentName(string? id) => string.IsNullOrEmpty(id) ? "" : _agents.FirstOrDefault(a => a.Id == id).Name ?? id;

    private Task<IEnumerable<string>> SearchAgentsAsync(string? text, CancellationToken cancellationToken) =>
        Task.FromResult(_agents
            .Where(a => string.IsNullOrWhiteSpace(text) || a.Name.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Id));

    /// <summary>The choices of a menu option's "Para onde vai": a step number, or a channel group's id (agents use an autocomplete).</summary>
    private IEnumerable<(string Value, string Name)> TargetChoices(MenuTargetType target) => target switch
    {
        MenuTargetType.Step => Enumerable.Range(1, _draft!.Steps.Count)
            .Select(n => (n.ToString(CultureInfo.InvariantCulture), (string)L["Flows.StepNumber", n])),
        MenuTargetType.ChannelGroup => _groups.Select(g => (g.Id.ToString(CultureInfo.InvariantCulture), g.Name)),
        _ => [],
    };

    private string TargetValueName(MenuTargetType target, string? value) =>
        TargetChoices(target).FirstOrDefault(c => c.Value == value).Name ?? value ?? "";

    private void Clear(string field) => _errors.Remove(field);

    // Messages about steps are keyed by position: once steps move or go they would point at the wrong card.
    private void ClearStepErrors()
    {
        foreach (var key in _errors.Keys.Where(k => k.StartsWith("Steps", StringComparison.Ordinal)).ToList())
        {
            _errors.Remove(key);
        }
    }

    private void SetTarget(MenuOptionDraft option, string optionPrefix, MenuTargetType target)
    {
        option.Target = target;
        option.TargetValue = null;
        Clear(optionPrefix + ".TargetValue");
    }

    private void SetTargetValue(MenuOptionDraft option, string optionPrefix, string? value)
    {
        option.TargetValue = value;
        Clear(optionPrefix + ".TargetValue");
    }

    private void AddOption(FlowStepDraft step, string prefix)
    {
        step.Options.Add(new MenuOptionDraft());
        Clear(prefix + ".Options");
    }

    private void RemoveOption(FlowStepDraft step, string prefix, int optionIndex)
    {
        step.Options.RemoveAt(optionIndex);
        foreach (var key in _errors.Keys.Where(k => k.StartsWith(prefix + ".Options[", StringComparison.Ordinal)).ToList())
        {
            _errors.Remove(key);
        }
    }

    private void AddStep()
    {
        _draft!.Steps.Add(new FlowStepDraft { Type = FlowStepType.Message });
        Clear("Steps");
    }

    private void Move(int index, int by)
    {
        var steps = _draft!.Steps;
        if (index + by < 0 || index + by >= steps.Count)
        {
            return;
        }

        (steps[index], steps[index + by]) = (steps[index + by], steps[index]);
        var (a, b) = (index + 1, index + by + 1);
        RenumberStepTargets(n => n == a ? b : n == b ? a : n);
        ClearStepErrors();
    }

    private void RemoveStep(int index)
    {
        _draft!.Steps.RemoveAt(index);
        var removed = index + 1;
        RenumberStepTargets(n => n == removed ? null : n > removed ? n - 1 : n);
        ClearStepErrors();
    }

    /// <summary>Menu options name their step by number: keep each on the same step when steps move or go (none when its step went).</summary>
    private void RenumberStepTargets(Func<int, int?> renumber)
    {
        foreach (var option in _draft!.Steps.SelectMany(s => s.Options).Where(o => o.Target == MenuTargetType.Step))
        {
            if (int.TryParse(option.TargetValue, out var number))
            {
                option.TargetValue = renumber(number)?.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    private async Task SaveAsync()
    {
        // A double click submits twice: the second would create the new flow again (flow names are not unique).
        if (_saving || _saved)
        {
            return;
        }

        _saving = true;
        try
        {
            var user = (await AuthenticationState).User;
            var result = await FlowService.SaveAsync(FlowActor.From(user), _draft!);
            _errors = new Dictionary<string, string>(result.Errors);
            if (result.Succeeded)
            {
                _saved = true;
                Snackbar.Add(L["Flows.Saved"], Severity.Success);
                Navigation.NavigateTo("/flows");
            }
        }
        finally
        {
            _saving = false;
        }
    }
}
