using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Routing;
using MudBlazor;
using TalkToMe.Core.Channels;
using TalkToMe.Core.KeepAlive;

namespace TalkToMe.Web.Components.Pages.Channels;

/// <summary>Create (/channels/new) and edit (/channels/{id}) a channel, its switches and its Keep Alive.</summary>
public partial class ChannelPage
{
    private ChannelView? _view;
    private IReadOnlyList<ChannelRef> _flows = [];
    private bool _loaded, _notFound, _keepAliveOpen, _loadStarted;
    private int? _loadedId;
    private string _name = "";
    private string _entryFlowId = "", _exitFlowId = "";
    private ChannelType? _type;
    private ChannelSettings? _settings;
    private Dictionary<string, string> _secretMasks = [];
    private bool _isActive = true, _allowsActiveContact;
    private Dictionary<string, string> _errors = [];
    private KeepAliveForm _ka = new();
    private Dictionary<string, string> _kaErrors = [];
    // The form as last loaded or saved: leaving with anything else asks first.
    private string _cleanSnapshot = "";
    private bool _leaving;

    // A second Salvar while the first is saving (a double click, a slow server) would create the channel twice.
    private bool _saving;
    private string? _newApiToken;
    private IReadOnlyDictionary<string, string> _newSecrets = new Dictionary<string, string>();

    [Parameter]
    public int? Id { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject] private ChannelAdminService Channels { get; set; } = default!;
    [Inject] private OneTimeSecrets OneTime { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private string Title => _view?.Name ?? L["Channels.NewTitle"];

    [Inject] private Microsoft.Extensions.Options.IOptions<PublicUrlOptions> PublicUrl { get; set; } = default!;

    /// <summary>TalkToMe:PublicUrl when configured (what providers must call), else the address this browser uses.</summary>
    private string BaseUrl => PublicUrl.Value.BaseUrl ?? Navigation.BaseUri.TrimEnd('/');

    private IEnumerable<PropertyInfo> SettingsProperties =>
        _settings is null ? [] : _settings.GetType().GetProperties().Where(p => p.CanWrite);

    protected override async Task OnParametersSetAsync()
    {
        // Parameters are set again when a cascading value changes (the authentication state): reloading then would
        // throw away what the admin has typed. Load only when the page shows another channel (or the new-channel form).
        if (_loadStarted && _loadedId == Id)
        {
            return;
        }

        (_loadStarted, _loadedId) = (true, Id);
        _flows = await Channels.ListFlowsAsync();
        _keepAliveOpen = false;
        _leaving = false;
        _errors = [];
        if (Id is { } id)
        {
            _view = await Channels.GetAsync(id);
            _notFound = _view is null;
            if (_view is not null)
            {
                LoadForm(_view);
                if (OneTime.Take(id) is { } once)
                {
                    _newApiToken = once.ApiToken;
                    _newSecrets = once.Secrets;
                }
            }
        }
        else
        {
            _view = null;
            _name = "";
            _type = null;
            _settings = null;
            _isActive = true;
            _allowsActiveContact = false;
            _entryFlowId = _exitFlowId = "";
            _cleanSnapshot = Snapshot();
        }

        _loaded = true;
    }

    private void LoadForm(ChannelView view)
    {
        _name = view.Name;
        _entryFlowId = view.EntryFlow?.Id.ToString() ?? "";
        _exitFlowId = view.ExitFlow?.Id.ToString() ?? "";
        _type = view.Type;
        _isActive = view.IsActive;
        _allowsActiveContact = view.AllowsActiveContact;
        // The view's secrets are masks: the form starts them empty ("keep") and shows the mask as a hint.
        _settings = ChannelSettings.Read(view.Type, view.Settings.ToJson());
        _secretMasks = _settings.SecretProperties().ToDictionary(p => p.Name, p => (string?)p.GetValue(_settings) ?? "");
        foreach (var property in _settings.SecretProperties())
        {
            property.SetValue(_settings, "");
        }

        _ka = KeepAliveForm.From(view.KeepAlive);
        _cleanSnapshot = Snapshot();
    }

    /// <summary>Everything the channel form edits, as one string to compare against the last saved state.</summary>
    private string Snapshot() =>
        string.Join('\u001f', _name, _entryFlowId, _exitFlowId, _type?.ToString() ?? "", _settings?.ToJson() ?? "", _isActive, _allowsActiveContact);

    private bool IsDirty => _loaded && !_notFound && !_leaving && Snapshot() != _cleanSnapshot;

    private async Task ConfirmLeaveAsync(LocationChangingContext context)
    {
        if (!IsDirty)
        {
            return;
        }

        var leave = await Dialogs.ShowMessageBoxAsync(L["Channels.UnsavedTitle"], L["Channels.UnsavedConfirm"],
            yesText: L["Channels.UnsavedLeave"], cancelText: L["Channels.UnsavedStay"]);
        if (leave != true)
        {
            context.PreventNavigation();
        }
    }

    private bool Has(string field) => _errors.ContainsKey(field);

    private string? Error(string field) => _errors.GetValueOrDefault(field);

    /// <summary>A field's server message goes as soon as the admin changes that field.</summary>
    private void Clear(string field) => _errors.Remove(field);

    private bool HasKa(string field) => _kaErrors.ContainsKey(field);

    private string? KaError(string field) => _kaErrors.GetValueOrDefault(field);

    private void ClearKa(string field) => _kaErrors.Remove(field);

    private string UnitShort(TimeUnit unit) => unit switch
    {
        TimeUnit.Seconds => "s",
        TimeUnit.Minutes => "min",
        _ => "h",
    };

    private string FlowName(string? id) =>
        string.IsNullOrEmpty(id) ? L["Channels.NoFlow"] : _flows.FirstOrDefault(f => f.Id.ToString() == id)?.Name ?? id;

    private static readonly Dictionary<string, object> NoAutocomplete = new() { ["autocomplete"] = "off" };

    private void ChooseType(ChannelType type)
    {
        _type = type;
        _settings = ChannelSettings.CreateFor(type);
        _secretMasks = [];
        _errors.Remove("Type");
        foreach (var key in _errors.Keys.Where(k => k.StartsWith(ChannelSettingsRules.Prefix, StringComparison.Ordinal)).ToList())
        {
            _errors.Remove(key);
        }
    }

    private static bool IsSecret(PropertyInfo property) => property.GetCustomAttribute<SecretAttribute>() is not null;

    private string FieldLabel(PropertyInfo property)
    {
        var text = L[$"ChannelField.{property.Name}"];
        return text.ResourceNotFound ? property.Name : text.Value;
    }

    private string? Placeholder(PropertyInfo property)
    {
        if (_secretMasks.TryGetValue(property.Name, out var mask) && mask.Length > 0)
        {
            return string.Format(L["Channels.KeepSecret"], mask);
        }

        return property.Name is "VerifyToken" or "WebhookSecretToken" or "IdentityVerificationSecret" or "WebhookSecret" or "InboundWebhookPassword"
            ? L["Channels.GeneratedIfEmpty"].Value
            : null;
    }

    private void Set(PropertyInfo property, string field, object value)
    {
        property.SetValue(_settings, value);
        Clear(field);
    }

    private void SetEnum(PropertyInfo property, string field, string? value)
    {
        if (Enum.TryParse(property.PropertyType, value, out var parsed))
        {
            Set(property, field, parsed!);
        }
    }

    private void SetList(PropertyInfo property, string field, string? value) =>
        Set(property, field, (value ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList());

    private async Task<ClaimsPrincipal> UserAsync() => (await AuthenticationState).User;

    private static int? ParseId(string value) => int.TryParse(value, out var id) ? id : null;

    private async Task SaveAsync()
    {
        if (_saving || _leaving)
        {
            return;
        }

        _saving = true;
        try
        {
            await SaveFormAsync();
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task SaveFormAsync()
    {
        if (_type is not { } type)
        {
            _errors = new Dictionary<string, string> { ["Type"] = L["Channels.TypeHelp"] };
            if (string.IsNullOrWhiteSpace(_name))
            {
                _errors["Name"] = L["Error.ChannelNameRequired"];
            }

            return;
        }

        // The service works on its own copy: a failed save must leave the form as the admin typed it.
        var settings = _settings is null ? null : ChannelSettings.Read(type, _settings.ToJson());
        var input = new ChannelInput(_name, type, ParseId(_entryFlowId), ParseId(_exitFlowId), settings, _isActive, _allowsActiveContact);
        var user = await UserAsync();
        if (_view is null)
        {
            var created = await Channels.CreateAsync(user, input);
            _errors = new Dictionary<string, string>(created.Errors);
            if (created.Succeeded)
            {
                var saved = created.Value!;
                OneTime.Put(saved.Channel.Id, saved.NewApiToken, saved.NewSecrets);
                _leaving = true;
                Snackbar.Add(L["Channels.Created"], Severity.Success);
                Navigation.NavigateTo($"/channels/{saved.Channel.Id}");
            }

            return;
        }

        var updated = await Channels.UpdateAsync(user, _view.Id, input);
        _errors = new Dictionary<string, string>(updated.Errors);
        if (updated.NotFound)
        {
            _notFound = true;
        }
        else if (updated.Succeeded)
        {
            _view = updated.Value!;
            LoadForm(_view);
            Snackbar.Add(L["Channels.Saved"], Severity.Success);
        }
    }

    private void ToggleKeepAlive()
    {
        _keepAliveOpen = !_keepAliveOpen;
        _kaErrors = [];
        if (_view is not null)
        {
            _ka = KeepAliveForm.From(_view.KeepAlive);
        }
    }

    private async Task SaveKeepAliveAsync()
    {
        if (_view is null)
        {
            return;
        }

        var result = await Channels.ConfigureKeepAliveAsync(await UserAsync(), _view.Id, _ka.ToSettings());
        _kaErrors = new Dictionary<string, string>(result.Errors);
        if (result.Succeeded)
        {
            _view = result.Value!;
            _keepAliveOpen = false;
            Snackbar.Add(L["KeepAlive.Saved"], Severity.Success);
        }
    }

    private async Task RegenerateTokenAsync()
    {
        if (_view is null)
        {
            return;
        }

        var result = await Channels.RegenerateApiTokenAsync(await UserAsync(), _view.Id);
        if (result.Succeeded)
        {
            _newApiToken = result.Value;
        }
    }

    private async Task DeleteAsync()
    {
        if (_view is null)
        {
            return;
        }

        var confirmed = await Dialogs.ShowMessageBoxAsync(L["Channels.DeleteTitle"], string.Format(L["Channels.DeleteConfirm"], _view.Name), yesText: L["Channels.DeleteConfirmOk"], cancelText: L["Common.Cancel"]);
        if (confirmed != true)
        {
            return;
        }

        await Channels.DeleteAsync(await UserAsync(), _view.Id);
        _leaving = true;
        Snackbar.Add(L["Channels.Deleted"], Severity.Success);
        Navigation.NavigateTo("/channels");
    }

    /// <summary>The Keep Alive fields as the form edits them.</summary>
    private sealed class KeepAliveForm
    {
        public int InactivityAmount { get; set; }
        public TimeUnit InactivityUnit { get; set; } = TimeUnit.Minutes;
        public string? InactivityMessage { get; set; }
        public int FinalizationAmount { get; set; }
        public TimeUnit FinalizationUnit { get; set; } = TimeUnit.Minutes;
        public string? FinalizationMessage { get; set; }
        public bool IsEnabled { get; set; }

        public static KeepAliveForm From(KeepAliveSettings s) => new()
        {
            InactivityAmount = s.InactivityAmount,
            InactivityUnit = s.InactivityUnit,
            InactivityMessage = s.InactivityMessage,
            FinalizationAmount = s.FinalizationAmount,
            FinalizationUnit = s.FinalizationUnit,
            FinalizationMessage = s.FinalizationMessage,
            IsEnabled = s.IsEnabled,
        };

        public KeepAliveSettings ToSettings() => new()
        {
            InactivityAmount = InactivityAmount,
            InactivityUnit = InactivityUnit,
            InactivityMessage = InactivityMessage,
            FinalizationAmount = FinalizationAmount,
            FinalizationUnit = FinalizationUnit,
            FinalizationMessage = FinalizationMessage,
            IsEnabled = IsEnabled,
        };
    }
}
