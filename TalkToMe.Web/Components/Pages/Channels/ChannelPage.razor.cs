using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TalkToMe.Core.Channels;
using TalkToMe.Core.KeepAlive;

namespace TalkToMe.Web.Components.Pages.Channels;

/// <summary>Create (/channels/new) and edit (/channels/{id}) a channel, its switches and its Keep Alive.</summary>
public partial class ChannelPage
{
    private ChannelView? _view;
    private IReadOnlyList<ChannelRef> _flows = [];
    private bool _loaded, _notFound, _keepAliveOpen;
    private string _name = "";
    private string _entryFlowId = "", _exitFlowId = "";
    private ChannelType? _type;
    private ChannelSettings? _settings;
    private Dictionary<string, string> _secretMasks = [];
    private bool _isActive = true, _allowsActiveContact;
    private IReadOnlyDictionary<string, string> _errors = new Dictionary<string, string>();
    private KeepAliveForm _ka = new();
    private IReadOnlyDictionary<string, string> _kaErrors = new Dictionary<string, string>();
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
        _flows = await Channels.ListFlowsAsync();
        _keepAliveOpen = false;
        _errors = new Dictionary<string, string>();
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
    }

    private void ChooseType(ChannelType type)
    {
        _type = type;
        _settings = ChannelSettings.CreateFor(type);
        _secretMasks = [];
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

    private void SetInt(PropertyInfo property, object? value) =>
        property.SetValue(_settings, int.TryParse(value?.ToString(), out var number) ? number : 0);

    private void SetEnum(PropertyInfo property, object? value)
    {
        if (Enum.TryParse(property.PropertyType, value?.ToString(), out var parsed))
        {
            property.SetValue(_settings, parsed);
        }
    }

    private void SetList(PropertyInfo property, object? value) =>
        property.SetValue(_settings, (value?.ToString() ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList());

    private async Task<ClaimsPrincipal> UserAsync() => (await AuthenticationState).User;

    private static int? ParseId(string value) => int.TryParse(value, out var id) ? id : null;

    private async Task SaveAsync()
    {
        if (_type is not { } type)
        {
            _errors = new Dictionary<string, string> { ["Type"] = L["Channels.TypeHelp"] };
            if (string.IsNullOrWhiteSpace(_name))
            {
                ((Dictionary<string, string>)_errors)["Name"] = L["Error.ChannelNameRequired"];
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
            _errors = created.Errors;
            if (created.Succeeded)
            {
                var saved = created.Value!;
                OneTime.Put(saved.Channel.Id, saved.NewApiToken, saved.NewSecrets);
                Snackbar.Add(L["Channels.Created"], Severity.Success);
                Navigation.NavigateTo($"/channels/{saved.Channel.Id}");
            }

            return;
        }

        var updated = await Channels.UpdateAsync(user, _view.Id, input);
        _errors = updated.Errors;
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
        _kaErrors = new Dictionary<string, string>();
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
        _kaErrors = result.Errors;
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
