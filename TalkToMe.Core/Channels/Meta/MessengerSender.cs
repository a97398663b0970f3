using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Meta;

/// <summary>
/// Sends replies through the Send API: <c>POST {base}/{version}/{page-id}/messages?access_token=…</c> with
/// <c>messaging_type: RESPONSE</c> (PROTOCOLS "Facebook Messenger and Instagram"). Free text only inside the 24-hour window
/// (<see cref="ReplyWindow"/>); long texts are split (the first part's message_id is stored). The token travels in the query
/// string, so the URL is never logged (the provider client has no request logging) nor put in a failure reason.
/// An agent's files follow the text, one message each: an <c>attachment</c> of type image, audio, video or file whose
/// <c>payload.url</c> is a signed public link Meta fetches (<see cref="IMediaLinks"/>); Meta has no captions.
/// </summary>
public abstract class MessengerSender(IHttpClientFactory clients, TimeProvider time, IOptions<OutboundOptions> options, IMediaLinks links)
    : IChannelSender
{
    /// <summary>Meta's "outside the allowed window" send errors (code 10, subcode 2018278) and throttling codes.</summary>
    private const int WindowClosedSubcode = 2018278;

    private static readonly int[] RateLimitCodes = [4, 17, 32, 613];

    public abstract ChannelType Type { get; }

    protected abstract string ProviderName { get; }

    protected abstract IReadOnlyList<string> Split(string text);

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = (FacebookSettings)delivery.Settings;
        if (string.IsNullOrWhiteSpace(settings.PageAccessToken) || string.IsNullOrWhiteSpace(settings.PageId))
        {
            return SendResult.Rejected($"Token de acesso da página ou ID da página do {ProviderName} não configurado");
        }

        if (!ReplyWindow.IsOpen(Type, delivery.LastCustomerMessageAt, time.GetUtcNow().UtcDateTime))
        {
            return SendResult.Rejected(ReplyWindow.ClosedMessage);
        }

        var url = ProviderHttp.Url(settings.ApiBaseUrl,
            $"{Uri.EscapeDataString(settings.ApiVersion.Trim())}/{Uri.EscapeDataString(settings.PageId.Trim())}/messages"
            + $"?access_token={Uri.EscapeDataString(settings.PageAccessToken.Trim())}");
        if (url is null)
        {
            return SendResult.Rejected($"URL da API do {ProviderName} inválida");
        }

        var files = new List<(string Type, string Url)>();
        foreach (var file in delivery.Attachments)
        {
            if (links.For(file.Id) is not { } link)
            {
                return SendResult.Rejected(MediaLinkText.NoPublicUrl(ProviderName));
            }

            files.Add((AttachmentType(file.Kind), link));
        }

        string? firstId = null;
        var texts = delivery.Text.Length == 0 && files.Count > 0 ? [] : Split(delivery.Text);
        var messages = texts.Select(text => (object)new { text })
            .Concat(files.Select(file => (object)new { attachment = new { type = file.Type, payload = new { url = file.Url, is_reusable = true } } }))
            .ToList();
        // Each part recorded once sent: a retry resumes with the one that failed.
        var parts = delivery.Progress.Plan(messages.Count);
        foreach (var message in messages)
        {
            var result = await parts.NextAsync(() => SendPartAsync(url, delivery.ContactExternalId, message, cancellationToken), cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstId);
    }

    /// <summary>The Send API's attachment types; a sticker or anything unsure goes as a file.</summary>
    public static string AttachmentType(MediaKind kind) => kind switch
    {
        MediaKind.Image => "image",
        MediaKind.Audio or MediaKind.Voice => "audio",
        MediaKind.Video => "video",
        _ => "file",
    };

    private async Task<SendResult> SendPartAsync(Uri url, string recipient, object content, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new
        {
            recipient = new { id = recipient },
            messaging_type = "RESPONSE",
            message = content,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, ProviderName, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        using var json = response!.Json();
        var root = json?.RootElement;
        if (response.IsSuccess && root is { ValueKind: JsonValueKind.Object } ok && ok.TryGetProperty("message_id", out var id)
            && id.ValueKind == JsonValueKind.String)
        {
            return SendResult.Sent(id.GetString());
        }

        int? code = null;
        int? subcode = null;
        string? message = null;
        if (root is { ValueKind: JsonValueKind.Object } failed && failed.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var number) ? number : null;
            subcode = error.TryGetProperty("error_subcode", out var s) && s.TryGetInt32(out var sub) ? sub : null;
            message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }

        if (subcode == WindowClosedSubcode)
        {
            return SendResult.Rejected(ReplyWindow.ClosedMessage);
        }

        var reason = $"{ProviderName} respondeu HTTP {response.Status}" + (message is null ? "" : $": {message}") + (code is null ? "" : $" ({code})");
        if (response.Status == 429 || (code is { } throttled && RateLimitCodes.Contains(throttled)))
        {
            return SendResult.Failed(reason) with { RetryAfter = response.RetryAfterHeader };
        }

        return response.Status is >= 400 and < 500 ? SendResult.Rejected(reason) : SendResult.Failed(reason);
    }
}

/// <summary>Facebook Messenger: text up to 2000 characters per message, longer replies split.</summary>
public sealed class FacebookSender(IHttpClientFactory clients, TimeProvider time, IOptions<OutboundOptions> options, IMediaLinks links)
    : MessengerSender(clients, time, options, links)
{
    public const int MaxTextLength = 2000;

    public override ChannelType Type => ChannelType.Facebook;

    protected override string ProviderName => "Messenger";

    protected override IReadOnlyList<string> Split(string text) => TextParts.Split(text, MaxTextLength);
}

/// <summary>Instagram Direct: text up to 1000 bytes of UTF-8 per message, longer replies split without cutting a character.</summary>
public sealed class InstagramSender(IHttpClientFactory clients, TimeProvider time, IOptions<OutboundOptions> options, IMediaLinks links)
    : MessengerSender(clients, time, options, links)
{
    public const int MaxTextBytes = 1000;

    public override ChannelType Type => ChannelType.Instagram;

    protected override string ProviderName => "Instagram";

    protected override IReadOnlyList<string> Split(string text) => TextParts.SplitUtf8(text, MaxTextBytes);
}
