using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>
/// Sends replies through the Cloud API's <c>/{phone-number-id}/messages</c> (PROTOCOLS "WhatsApp Business Cloud API").
/// Free text only inside the 24-hour window (<see cref="ReplyWindow"/>): outside it the send is refused at once with the
/// reason instead of asking Meta to refuse it. Texts over 4096 characters are split like Telegram's (the first part's wamid is
/// stored; a retry after a partial failure may repeat earlier parts).
/// </summary>
public sealed class WhatsAppSender(IHttpClientFactory clients, TimeProvider time, IOptions<OutboundOptions> options) : IChannelSender
{
    public const int MaxTextLength = 4096;

    /// <summary>Meta's throttling codes: sending later succeeds.</summary>
    private static readonly int[] RateLimitCodes = [4, 80007, 130429, 131048, 131056];

    public ChannelType Type => ChannelType.WhatsApp;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = (WhatsAppSettings)delivery.Settings;
        if (string.IsNullOrWhiteSpace(settings.AccessToken) || string.IsNullOrWhiteSpace(settings.PhoneNumberId))
        {
            return SendResult.Rejected("Token de acesso ou ID do número do WhatsApp não configurado");
        }

        if (!ReplyWindow.IsOpen(ChannelType.WhatsApp, delivery.LastCustomerMessageAt, time.GetUtcNow().UtcDateTime))
        {
            return SendResult.Rejected(ReplyWindow.ClosedMessage);
        }

        var url = ProviderHttp.Url(settings.ApiBaseUrl,
            $"{Uri.EscapeDataString(settings.ApiVersion.Trim())}/{Uri.EscapeDataString(settings.PhoneNumberId.Trim())}/messages");
        if (url is null)
        {
            return SendResult.Rejected("URL da API do WhatsApp inválida");
        }

        string? firstId = null;
        foreach (var part in TextParts.Split(delivery.Text, MaxTextLength))
        {
            var result = await SendPartAsync(url, settings.AccessToken.Trim(), delivery.ContactExternalId, part, cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstId);
    }

    private async Task<SendResult> SendPartAsync(Uri url, string token, string to, string text, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new
        {
            messaging_product = "whatsapp",
            recipient_type = "individual",
            to,
            type = "text",
            text = new { body = text },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, "WhatsApp", cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        using var json = response!.Json();
        var root = json?.RootElement;
        if (response.IsSuccess && root is { ValueKind: JsonValueKind.Object } ok && ok.TryGetProperty("messages", out var messages)
            && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
            && messages[0].TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            return SendResult.Sent(id.GetString());
        }

        int? code = null;
        string? message = null;
        if (root is { ValueKind: JsonValueKind.Object } failed && failed.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var number) ? number : null;
            message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }

        if (code == WhatsAppWebhook.WindowClosedErrorCode)
        {
            return SendResult.Rejected(ReplyWindow.ClosedMessage);
        }

        var reason = $"WhatsApp respondeu HTTP {response.Status}" + (message is null ? "" : $": {message}") + (code is null ? "" : $" ({code})");
        if (response.Status == 429 || (code is { } throttled && RateLimitCodes.Contains(throttled)))
        {
            return SendResult.Failed(reason) with { RetryAfter = response.RetryAfterHeader };
        }

        return response.Status is >= 400 and < 500 ? SendResult.Rejected(reason) : SendResult.Failed(reason);
    }
}
