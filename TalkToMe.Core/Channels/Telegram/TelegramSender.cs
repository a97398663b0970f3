using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Telegram;

/// <summary>
/// Sends replies with the Bot API's <c>sendMessage</c> to the conversation's chat id (PROTOCOLS "Telegram Bot API").
/// Texts over 4096 characters are split into several messages (decision: the customer gets the whole answer rather than
/// a refusal); the first part's <c>message_id</c> is stored. If a later part fails, the retry sends all parts again, so
/// after a provider outage the customer may see the first parts twice (Telegram has no idempotency key).
/// </summary>
public sealed class TelegramSender(IHttpClientFactory clients, IOptions<OutboundOptions> options) : IChannelSender
{
    public const int MaxTextLength = 4096;

    public ChannelType Type => ChannelType.Telegram;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = (TelegramSettings)delivery.Settings;
        if (string.IsNullOrWhiteSpace(settings.BotToken))
        {
            return SendResult.Rejected("Token do bot do Telegram não configurado");
        }

        // The token is part of the path (Bot API design); it never reaches a log or a failure reason from here.
        var url = ProviderHttp.Url(settings.ApiBaseUrl, $"bot{settings.BotToken.Trim()}/sendMessage");
        if (url is null)
        {
            return SendResult.Rejected("URL da API do Telegram inválida");
        }

        if (!long.TryParse(delivery.ContactExternalId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var chatId))
        {
            return SendResult.Rejected($"Chat do Telegram inválido: {delivery.ContactExternalId}");
        }

        string? firstId = null;
        foreach (var part in TextParts.Split(delivery.Text, MaxTextLength))
        {
            var result = await SendPartAsync(url, chatId, part, cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstId);
    }

    private async Task<SendResult> SendPartAsync(Uri url, long chatId, string text, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new { chat_id = chatId, text });
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, "Telegram", cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        using var json = response!.Json();
        var root = json?.RootElement;
        var description = root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("description", out var d)
            && d.ValueKind == JsonValueKind.String ? d.GetString() : null;

        if (response.IsSuccess && root is { ValueKind: JsonValueKind.Object } ok && ok.TryGetProperty("ok", out var okValue)
            && okValue.ValueKind == JsonValueKind.True && ok.TryGetProperty("result", out var result)
            && result.ValueKind == JsonValueKind.Object && result.TryGetProperty("message_id", out var messageId))
        {
            return SendResult.Sent(messageId.ToString());
        }

        var reason = $"Telegram respondeu HTTP {response.Status}" + (description is null ? "" : $": {description}");
        if (response.Status == 429)
        {
            var retryAfter = root is { ValueKind: JsonValueKind.Object } limited && limited.TryGetProperty("parameters", out var parameters)
                && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("retry_after", out var seconds)
                && seconds.TryGetInt32(out var s) ? TimeSpan.FromSeconds(s) : response.RetryAfterHeader;
            return SendResult.Failed(reason) with { RetryAfter = retryAfter };
        }

        // 400 (chat not found, empty text), 401 (bad token), 403 (the user blocked the bot): sending again changes nothing.
        return response.Status is >= 400 and < 500 ? SendResult.Rejected(reason) : SendResult.Failed(reason);
    }
}
