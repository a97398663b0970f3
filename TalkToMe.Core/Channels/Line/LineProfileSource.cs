using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Line;

/// <summary>
/// The customer's LINE display name: <c>GET {base}/v2/bot/profile/{userId}</c> with <c>Authorization: Bearer &lt;channel token&gt;</c>
/// → <c>{"displayName", "userId", "pictureUrl"?, "statusMessage"?}</c>. LINE answers 404 for a user who has not added the
/// account as a friend (or blocked it).
/// </summary>
public sealed class LineProfileSource(IHttpClientFactory clients, IOptions<OutboundOptions> options) : IContactProfileSource
{
    public bool Handles(ChannelType type) => type == ChannelType.Line;

    public async Task<ProfileLookup> LookUpAsync(ChannelSettings settings, string externalId, CancellationToken cancellationToken)
    {
        var line = (LineSettings)settings;
        if (string.IsNullOrWhiteSpace(line.ChannelAccessToken))
        {
            return ProfileLookup.Failed("Token de acesso do canal LINE não configurado");
        }

        var url = ProviderHttp.Url(line.ApiBaseUrl, $"v2/bot/profile/{Uri.EscapeDataString(externalId)}");
        if (url is null)
        {
            return ProfileLookup.Failed("URL da API do LINE inválida");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", line.ChannelAccessToken.Trim());
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, "LINE", cancellationToken);
        if (failure is not null)
        {
            return ProfileLookup.Failed(failure.Error!);
        }

        using var json = response!.Json();
        var root = json?.RootElement;
        if (!response.IsSuccess || root is not { ValueKind: JsonValueKind.Object } profile)
        {
            var message = root is { ValueKind: JsonValueKind.Object } failed && failed.TryGetProperty("message", out var m)
                && m.ValueKind == JsonValueKind.String
                ? ": " + m.GetString()
                : "";
            return ProfileLookup.Failed($"LINE respondeu HTTP {response.Status}{message}");
        }

        return profile.TryGetProperty("displayName", out var name) && name.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(name.GetString())
            ? ProfileLookup.Found(name.GetString()!)
            : ProfileLookup.Failed("O perfil do LINE não tem displayName");
    }
}
