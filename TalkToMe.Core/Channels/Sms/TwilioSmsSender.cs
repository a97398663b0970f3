using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Sms;

/// <summary>
/// Sends replies with Twilio's Messages resource (PROTOCOLS "Twilio SMS"): form POST to
/// <c>/2010-04-01/Accounts/{AccountSid}/Messages.json</c> with Basic auth AccountSid:AuthToken. Twilio itself joins segments
/// up to 1600 characters; longer texts are split into several messages (the first sid is stored). An agent's files go as MMS:
/// one <c>MediaUrl</c> per file on the first message, a signed public link Twilio fetches (<see cref="IMediaLinks"/>).
/// </summary>
public sealed class TwilioSmsSender(IHttpClientFactory clients, IOptions<OutboundOptions> options, IOptions<PublicUrlOptions> publicUrl,
    IMediaLinks links) : IChannelSender
{
    public const int MaxTextLength = 1600;

    public ChannelType Type => ChannelType.Sms;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = (TwilioSmsSettings)delivery.Settings;
        if (string.IsNullOrWhiteSpace(settings.AccountSid) || string.IsNullOrWhiteSpace(settings.AuthToken)
            || string.IsNullOrWhiteSpace(settings.FromNumber))
        {
            return SendResult.Rejected("Account SID, Auth Token ou número de origem do Twilio não configurado");
        }

        var url = ProviderHttp.Url(settings.ApiBaseUrl, $"2010-04-01/Accounts/{Uri.EscapeDataString(settings.AccountSid.Trim())}/Messages.json");
        if (url is null)
        {
            return SendResult.Rejected("URL da API do Twilio inválida");
        }

        var statusCallback = StatusCallback(settings, delivery.ChannelPublicKey);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid.Trim()}:{settings.AuthToken.Trim()}"));
        var mediaUrls = new List<string>();
        foreach (var file in delivery.Attachments)
        {
            if (links.For(file.Id) is not { } link)
            {
                return SendResult.Rejected(MediaLinkText.NoPublicUrl("Twilio"));
            }

            mediaUrls.Add(link);
        }

        string? firstSid = null;
        // Files without a caption: one MMS with only its MediaUrls (Twilio takes Body or MediaUrl).
        IReadOnlyList<string> parts = delivery.Text.Length == 0 && mediaUrls.Count > 0 ? [""] : TextParts.Split(delivery.Text, MaxTextLength);
        // Each SMS recorded once Twilio accepts it: a retry resumes with the one that failed.
        var progress = delivery.Progress.Plan(parts.Count);
        foreach (var part in parts)
        {
            var fields = new List<KeyValuePair<string, string>>
            {
                new("To", delivery.ContactExternalId),
                new("From", settings.FromNumber.Trim()),
            };
            if (part.Length > 0)
            {
                fields.Add(new("Body", part));
            }

            if (firstSid is null)
            {
                fields.AddRange(mediaUrls.Select(url => new KeyValuePair<string, string>("MediaUrl", url)));
            }

            if (statusCallback is not null)
            {
                fields.Add(new("StatusCallback", statusCallback));
            }

            var result = await progress.NextAsync(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
                return await SendPartAsync(request, cancellationToken);
            }, cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstSid ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstSid);
    }

    /// <summary>The channel's own StatusCallbackUrl if an admin typed one, else its webhook under TalkToMe:PublicUrl, else none.</summary>
    private string? StatusCallback(TwilioSmsSettings settings, string channelPublicKey)
    {
        if (!string.IsNullOrWhiteSpace(settings.StatusCallbackUrl))
        {
            return settings.StatusCallbackUrl.Trim();
        }

        return publicUrl.Value.BaseUrl is { } baseUrl && channelPublicKey.Length > 0
            ? PublicUrls.Webhook(baseUrl, ChannelType.Sms, channelPublicKey)
            : null;
    }

    private async Task<SendResult> SendPartAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, "Twilio", cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        using var json = response!.Json();
        var root = json?.RootElement;
        if (response.IsSuccess && root is { ValueKind: JsonValueKind.Object } ok && ok.TryGetProperty("sid", out var sid)
            && sid.ValueKind == JsonValueKind.String)
        {
            return SendResult.Sent(sid.GetString());
        }

        string? message = null;
        string? code = null;
        if (root is { ValueKind: JsonValueKind.Object } error)
        {
            message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.ToString() : null;
        }

        var reason = $"Twilio respondeu HTTP {response.Status}" + (message is null ? "" : $": {message}") + (code is null ? "" : $" ({code})");
        if (response.Status == 429)
        {
            return SendResult.Failed(reason) with { RetryAfter = response.RetryAfterHeader };
        }

        return response.Status is >= 400 and < 500 ? SendResult.Rejected(reason) : SendResult.Failed(reason);
    }
}
