using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Telegram;

/// <summary>
/// Sends replies with the Bot API's <c>sendMessage</c> to the conversation's chat id (PROTOCOLS "Telegram Bot API").
/// Texts over 4096 characters are split into several messages (decision: the customer gets the whole answer rather than
/// a refusal); the first part's <c>message_id</c> is stored. Telegram has no idempotency key, so each part the Bot API
/// accepts is recorded at once (<see cref="DeliveryProgress"/>): a retry after a later part failed resumes with that part.
/// <para>
/// Files go one message each as multipart uploads (<c>sendPhoto</c>, <c>sendVideo</c>, <c>sendVoice</c>, <c>sendAudio</c>,
/// else <c>sendDocument</c>), streamed from the media store; the text is the first file's <c>caption</c>, or, past
/// Telegram's 1024 characters, a message of its own before the files. Files resume the same way as text parts.
/// A WebP image goes with <c>sendSticker</c> as a sticker (<see cref="MediaKind.Sticker"/>, which takes no caption).
/// </para>
/// </summary>
public sealed class TelegramSender(IHttpClientFactory clients, IOptions<OutboundOptions> options, IMediaStore store) : IChannelSender
{
    public const int MaxTextLength = 4096;
    public const int MaxCaptionLength = 1024;

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

        var text = delivery.Text.Trim();
        // A sticker takes no caption: the text then goes first, as a message of its own.
        var caption = delivery.Attachments.Count > 0 && text.Length <= MaxCaptionLength && delivery.Attachments[0].Kind != MediaKind.Sticker
            ? text
            : null;
        IReadOnlyList<string> texts = caption is null && (text.Length > 0 || delivery.Attachments.Count == 0)
            ? TextParts.Split(text, MaxTextLength)
            : [];
        // Text parts first, then each file: the same order every attempt, so a retry skips what the customer already has.
        var parts = delivery.Progress.Plan(texts.Count + delivery.Attachments.Count);
        string? firstId = null;
        foreach (var part in texts)
        {
            var result = await parts.NextAsync(() => SendPartAsync(url, chatId, part, cancellationToken), cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        for (var i = 0; i < delivery.Attachments.Count; i++)
        {
            var file = delivery.Attachments[i];
            // The caption rides on the first file whatever an earlier attempt did: a delivered first file is skipped with it.
            var fileCaption = i == 0 && caption is { Length: > 0 } ? caption : null;
            var result = await parts.NextAsync(() => SendFileAsync(settings, chatId, file, fileCaption, cancellationToken), cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstId);
    }

    /// <summary>The Bot API method (and its file field) for a file: what Telegram shows best, a document when unsure.</summary>
    public static (string Method, string Field) MethodFor(OutboundAttachment file) => (file.Kind, file.ContentType) switch
    {
        (MediaKind.Image, "image/jpeg" or "image/png") => ("sendPhoto", "photo"),
        (MediaKind.Sticker, "image/webp") => ("sendSticker", "sticker"),
        (MediaKind.Video, "video/mp4") => ("sendVideo", "video"),
        // sendVoice plays OGG/Opus as a voice note; MP3 and M4A go as music with sendAudio.
        (MediaKind.Voice, "audio/ogg") => ("sendVoice", "voice"),
        (MediaKind.Audio, "audio/mpeg" or "audio/mp4") => ("sendAudio", "audio"),
        _ => ("sendDocument", "document"),
    };

    private async Task<SendResult> SendFileAsync(TelegramSettings settings, long chatId, OutboundAttachment file, string? caption,
        CancellationToken cancellationToken)
    {
        var (method, field) = MethodFor(file);
        var url = ProviderHttp.Url(settings.ApiBaseUrl, $"bot{settings.BotToken!.Trim()}/{method}");
        if (url is null)
        {
            return SendResult.Rejected("URL da API do Telegram inválida");
        }

        if (await store.OpenReadAsync(file.Sha256, cancellationToken) is not { } bytes)
        {
            return SendResult.Rejected($"O arquivo {file.FileName} não está mais no armazenamento de mídia");
        }

        // The form owns the file's stream: disposing the request closes it, whatever the answer.
        var form = new MultipartFormDataContent
        {
            { new StringContent(chatId.ToString(CultureInfo.InvariantCulture)), "chat_id" },
        };
        if (caption is not null)
        {
            form.Add(new StringContent(caption), "caption");
        }

        var content = new StreamContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
        form.Add(content, field, file.FileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = form };
        return await PostAsync(request, options.Value.FileSendTimeout, cancellationToken);
    }

    private async Task<SendResult> SendPartAsync(Uri url, long chatId, string text, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new { chat_id = chatId, text });
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        return await PostAsync(request, options.Value.SendTimeout, cancellationToken);
    }

    private async Task<SendResult> PostAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, timeout, "Telegram", cancellationToken);
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
