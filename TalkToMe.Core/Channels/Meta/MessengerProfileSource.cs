using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Meta;

/// <summary>
/// The customer's name from the Graph API with the Page token: Messenger's User Profile API
/// <c>GET {base}/{version}/{psid}?fields=first_name,last_name&amp;access_token=…</c>, Instagram's
/// <c>GET {base}/{version}/{igsid}?fields=name,username&amp;access_token=…</c> (the name, or the username when the name is not set).
/// The token travels in the query string: the URL is never logged nor put in a failure reason.
/// </summary>
public sealed class MessengerProfileSource(IHttpClientFactory clients, IOptions<OutboundOptions> options) : IContactProfileSource
{
    public bool Handles(ChannelType type) => type is ChannelType.Facebook or ChannelType.Instagram;

    public async Task<ProfileLookup> LookUpAsync(ChannelSettings settings, string externalId, CancellationToken cancellationToken)
    {
        var page = (FacebookSettings)settings;
        var instagram = settings is InstagramSettings;
        var provider = instagram ? "Instagram" : "Messenger";
        if (string.IsNullOrWhiteSpace(page.PageAccessToken))
        {
            return ProfileLookup.Failed($"Token de acesso da página do {provider} não configurado");
        }

        var fields = instagram ? "name,username" : "first_name,last_name";
        var url = ProviderHttp.Url(page.ApiBaseUrl,
            $"{Uri.EscapeDataString(page.ApiVersion.Trim())}/{Uri.EscapeDataString(externalId)}?fields={fields}"
            + $"&access_token={Uri.EscapeDataString(page.PageAccessToken.Trim())}");
        if (url is null)
        {
            return ProfileLookup.Failed($"URL da API do {provider} inválida");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, provider, cancellationToken);
        if (failure is not null)
        {
            return ProfileLookup.Failed(failure.Error!);
        }

        using var json = response!.Json();
        var root = json?.RootElement;
        if (!response.IsSuccess || root is not { ValueKind: JsonValueKind.Object } profile)
        {
            var message = root is { ValueKind: JsonValueKind.Object } failed && failed.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? ": " + m.GetString()
                : "";
            return ProfileLookup.Failed($"{provider} respondeu HTTP {response.Status}{message}");
        }

        var name = instagram
            ? FirstNonEmpty(StringOf(profile, "name"), StringOf(profile, "username"))
            : $"{StringOf(profile, "first_name")} {StringOf(profile, "last_name")}".Trim();
        return string.IsNullOrWhiteSpace(name)
            ? ProfileLookup.Failed($"O perfil do {provider} não tem nome")
            : ProfileLookup.Found(name);
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static string? StringOf(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
