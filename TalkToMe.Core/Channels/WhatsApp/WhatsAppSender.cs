using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.WhatsApp;

/// <summary>
/// Sends replies through the Cloud API's <c>/{phone-number-id}/messages</c> (PROTOCOLS "WhatsApp Business Cloud API").
/// Free text only inside the 24-hour window (<see cref="ReplyWindow"/>): outside it the send is refused at once with the
/// reason instead of asking Meta to refuse it. Texts over 4096 characters are split like Telegram's (the first part's wamid is
/// stored; each part Meta accepts is recorded, so a retry after a partial failure resumes with the part that failed). Template messages (<see cref="OutboundDelivery.Template"/>)
/// go out as <c>"type":"template"</c> at any time: they are how a business writes first or after the window closed.
/// An "Avaliação" question (<see cref="OutboundDelivery.RatingQuestion"/>) goes out as an interactive list (<see cref="RatingListBody"/>),
/// which, like free text, only the window allows.
/// <para>
/// Files: each is uploaded to <c>/{phone-number-id}/media</c> (multipart, streamed from the media store) and then sent by
/// the returned id as an image, audio, video, sticker (a WebP) or document message, one message per file in order, each
/// recorded once sent (<see cref="DeliveryProgress"/>). The text is the first file's caption; audio and stickers take none,
/// and a text past 1024 characters does not fit one, so it goes as a text message first.
/// </para>
/// </summary>
public sealed class WhatsAppSender(IHttpClientFactory clients, TimeProvider time, IOptions<OutboundOptions> options, IMediaStore store)
    : IChannelSender
{
    public const int MaxTextLength = 4096;

    /// <summary>Cloud API: a media message's caption, at most 1024 characters.</summary>
    public const int MaxCaptionLength = 1024;

    /// <summary>Meta's limits for an interactive list message: the body text and each row's title.</summary>
    public const int MaxListBodyLength = 1024;
    public const int MaxListRowTitleLength = 24;

    /// <summary>The button that opens the list of scores (at most 20 characters).</summary>
    public const string RatingListButton = "Avaliar";

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

        // Templates are what WhatsApp accepts outside the window; free text only inside it.
        if (delivery.Template is null
            && !ReplyWindow.IsOpen(ChannelType.WhatsApp, delivery.LastCustomerMessageAt, time.GetUtcNow().UtcDateTime))
        {
            return SendResult.Rejected(ReplyWindow.ClosedMessage);
        }

        var url = ProviderHttp.Url(settings.ApiBaseUrl,
            $"{Uri.EscapeDataString(settings.ApiVersion.Trim())}/{Uri.EscapeDataString(settings.PhoneNumberId.Trim())}/messages");
        if (url is null)
        {
            return SendResult.Rejected("URL da API do WhatsApp inválida");
        }

        if (delivery.Template is { } template)
        {
            return await PostAsync(url, settings.AccessToken.Trim(), TemplateBody(delivery.ContactExternalId, template), cancellationToken);
        }

        if (delivery.RatingQuestion is { } question && RatingListBody(delivery.ContactExternalId, question) is { } list)
        {
            return await PostAsync(url, settings.AccessToken.Trim(), list, cancellationToken);
        }

        if (delivery.Attachments.Count > 0)
        {
            return await SendFilesAsync(settings, url, delivery, cancellationToken);
        }

        var texts = TextParts.Split(delivery.Text, MaxTextLength);
        return await SendTextAsync(url, settings.AccessToken.Trim(), delivery.ContactExternalId, texts, delivery.Progress.Plan(texts.Count),
            cancellationToken);
    }

    private async Task<SendResult> SendTextAsync(Uri url, string token, string to, IReadOnlyList<string> texts, DeliveryParts parts,
        CancellationToken cancellationToken)
    {
        string? firstId = null;
        foreach (var part in texts)
        {
            var body = JsonSerializer.Serialize(new
            {
                messaging_product = "whatsapp",
                recipient_type = "individual",
                to,
                type = "text",
                text = new { body = part },
            });
            var result = await parts.NextAsync(() => PostAsync(url, token, body, cancellationToken), cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstId);
    }

    private async Task<SendResult> SendFilesAsync(WhatsAppSettings settings, Uri messagesUrl, OutboundDelivery delivery,
        CancellationToken cancellationToken)
    {
        var token = settings.AccessToken!.Trim();
        var mediaUrl = ProviderHttp.Url(settings.ApiBaseUrl,
            $"{Uri.EscapeDataString(settings.ApiVersion.Trim())}/{Uri.EscapeDataString(settings.PhoneNumberId!.Trim())}/media");
        if (mediaUrl is null)
        {
            return SendResult.Rejected("URL da API do WhatsApp inválida");
        }

        var text = delivery.Text.Trim();
        var captionFits = text.Length <= MaxCaptionLength && TakesCaption(delivery.Attachments[0]);
        IReadOnlyList<string> texts = text.Length > 0 && !captionFits ? TextParts.Split(text, MaxTextLength) : [];
        // Text parts, then each file (upload and message as one part): the same order every attempt, so a retry after a
        // failed file uploads and sends only that file and the ones after it.
        var parts = delivery.Progress.Plan(texts.Count + delivery.Attachments.Count);
        string? firstId = null;
        if (texts.Count > 0)
        {
            var sent = await SendTextAsync(messagesUrl, token, delivery.ContactExternalId, texts, parts, cancellationToken);
            if (!sent.Succeeded)
            {
                return sent;
            }

            firstId = sent.ProviderMessageId;
        }

        for (var i = 0; i < delivery.Attachments.Count; i++)
        {
            var file = delivery.Attachments[i];
            var caption = i == 0 && captionFits && text.Length > 0 ? text : null;
            var result = await parts.NextAsync(async () =>
            {
                var (mediaId, failure) = await UploadAsync(mediaUrl, token, file, cancellationToken);
                return failure ?? await PostAsync(messagesUrl, token, MediaBody(delivery.ContactExternalId, file, mediaId!, caption),
                    cancellationToken);
            }, cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstId);
    }

    /// <summary>Audio and stickers carry no caption in the Cloud API.</summary>
    private static bool TakesCaption(OutboundAttachment file) => file.Kind is not (MediaKind.Audio or MediaKind.Voice or MediaKind.Sticker);

    /// <summary>
    /// A media message by the uploaded file's id: <c>image</c>, <c>video</c> and <c>document</c> (which also names the file)
    /// carry the caption; <c>audio</c> cannot (a voice note recorded as OGG/Opus plays as one).
    /// </summary>
    public static string MediaBody(string to, OutboundAttachment file, string mediaId, string? caption)
    {
        var (type, media) = file.Kind switch
        {
            MediaKind.Image => ("image", (object)new { id = mediaId, caption }),
            MediaKind.Video => ("video", new { id = mediaId, caption }),
            MediaKind.Audio or MediaKind.Voice => ("audio", new { id = mediaId }),
            // WebP only (MediaLimits sends nothing else as a sticker); WhatsApp takes no WebP as an image at all.
            MediaKind.Sticker => ("sticker", new { id = mediaId }),
            _ => ("document", (object)new { id = mediaId, caption, filename = file.FileName }),
        };
        var body = new Dictionary<string, object?>
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = to,
            ["type"] = type,
            [type] = media,
        };
        return JsonSerializer.Serialize(body, CaptionlessJson);
    }

    /// <summary>No <c>"caption": null</c>: Meta refuses unknown nulls in a media object.</summary>
    private static readonly JsonSerializerOptions CaptionlessJson =
        new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Uploads one file (multipart <c>file</c>, <c>type</c>, <c>messaging_product</c>); its media id, or why not.</summary>
    private async Task<(string? MediaId, SendResult? Failure)> UploadAsync(Uri url, string token, OutboundAttachment file,
        CancellationToken cancellationToken)
    {
        if (await store.OpenReadAsync(file.Sha256, cancellationToken) is not { } bytes)
        {
            return (null, SendResult.Rejected($"O arquivo {file.FileName} não está mais no armazenamento de mídia"));
        }

        // The form owns the file's stream: disposing the request closes it.
        var content = new StreamContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
        var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent(file.ContentType), "type" },
            { content, "file", file.FileName },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.FileSendTimeout, "WhatsApp", cancellationToken);
        if (failure is not null)
        {
            return (null, failure);
        }

        using var json = response!.Json();
        if (response.IsSuccess && json?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("id", out var id)
            && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } mediaId)
        {
            return (mediaId, null);
        }

        return (null, Failure(response, json));
    }

    /// <summary>
    /// A template message: name, language code and the body's text parameters in order (named templates also name each
    /// parameter). A template without placeholders is sent without components.
    /// </summary>
    public static string TemplateBody(string to, MessageTemplate template)
    {
        var parameters = template.Parameters.Select(p => template.HasNamedParameters
            ? (object)new { type = "text", parameter_name = p.Name, text = p.Value }
            : new { type = "text", text = p.Value }).ToList();
        object body = parameters.Count == 0
            ? new { name = template.Name, language = new { code = template.Language } }
            : new
            {
                name = template.Name,
                language = new { code = template.Language },
                components = new[] { new { type = "body", parameters } },
            };
        return JsonSerializer.Serialize(new
        {
            messaging_product = "whatsapp",
            recipient_type = "individual",
            to,
            type = "template",
            template = body,
        });
    }

    /// <summary>
    /// An "Avaliação" as an interactive list: the question as its body, "Responda de 1 a 5." as its footer (typing a number
    /// still works), and the "Avaliar" button opening one section of five rows titled as text channels list them ("4 - Bom")
    /// whose ids carry the score ("avaliacao:4"); the customer's pick comes back as <c>interactive.list_reply</c>
    /// (<see cref="WhatsAppWebhook"/>). Null when the question does not fit a list's body: the text goes out instead.
    /// </summary>
    public static string? RatingListBody(string to, string question)
    {
        if (string.IsNullOrWhiteSpace(question) || question.Length > MaxListBodyLength)
        {
            return null;
        }

        var rows = RatingScale.Scores.Select(score => new { id = RatingScale.OptionId(score), title = RatingScale.Title(score) }).ToList();
        return JsonSerializer.Serialize(new
        {
            messaging_product = "whatsapp",
            recipient_type = "individual",
            to,
            type = "interactive",
            interactive = new
            {
                type = "list",
                body = new { text = question },
                footer = new { text = FlowEngine.RatingHint },
                action = new
                {
                    button = RatingListButton,
                    sections = new[] { new { title = "Avaliação", rows } },
                },
            },
        });
    }

    private async Task<SendResult> PostAsync(Uri url, string token, string body, CancellationToken cancellationToken)
    {
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

        return Failure(response, json);
    }

    /// <summary>A Graph API answer that is not the expected success: rate limits retried, other 4xx refused, 5xx retried.</summary>
    private static SendResult Failure(ProviderResponse response, JsonDocument? json)
    {
        var root = json?.RootElement;
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
