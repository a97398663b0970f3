using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Line;

/// <summary>
/// Sends replies with the push API: <c>POST {base}/v2/bot/message/push</c>, Bearer channel access token (PROTOCOLS "LINE
/// Messaging API"); reply tokens are single-use and expire, so the outbox never relies on them. A text over 5000 UTF-16 code
/// units is split and the parts go in as few pushes as possible (up to 5 messages per push); the first message's id is stored.
/// An agent's images follow the text as image messages whose original and preview are the same signed public link LINE
/// fetches (<see cref="IMediaLinks"/>; LINE wants HTTPS, so <c>TalkToMe:PublicUrl</c> must be https in production).
/// </summary>
public sealed class LineSender(IHttpClientFactory clients, IOptions<OutboundOptions> options, IMediaLinks links) : IChannelSender
{
    public const int MaxTextLength = 5000;
    public const int MaxMessagesPerPush = 5;

    public ChannelType Type => ChannelType.Line;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = (LineSettings)delivery.Settings;
        if (string.IsNullOrWhiteSpace(settings.ChannelAccessToken))
        {
            return SendResult.Rejected("Token de acesso do canal LINE não configurado");
        }

        var url = ProviderHttp.Url(settings.ApiBaseUrl, "v2/bot/message/push");
        if (url is null)
        {
            return SendResult.Rejected("URL da API do LINE inválida");
        }

        var images = new List<string>();
        foreach (var file in delivery.Attachments)
        {
            if (links.For(file.Id) is not { } link)
            {
                return SendResult.Rejected(MediaLinkText.NoPublicUrl("LINE"));
            }

            images.Add(link);
        }

        var texts = delivery.Text.Length == 0 && images.Count > 0 ? [] : TextParts.Split(delivery.Text, MaxTextLength);
        var messages = texts.Select(text => (object)new { type = "text", text })
            .Concat(images.Select(link => (object)new { type = "image", originalContentUrl = link, previewImageUrl = link }));
        string? firstId = null;
        // One push carries up to five messages at once; each push is a part, recorded once sent, so a retry resumes with
        // the push that failed.
        var batches = messages.Chunk(MaxMessagesPerPush).ToList();
        var parts = delivery.Progress.Plan(batches.Count);
        foreach (var batch in batches)
        {
            var result = await parts.NextAsync(() => PushAsync(url, settings.ChannelAccessToken.Trim(), delivery.ContactExternalId, batch,
                cancellationToken), cancellationToken);
            if (!result.Succeeded)
            {
                return result;
            }

            firstId ??= result.ProviderMessageId;
        }

        return SendResult.Sent(firstId);
    }

    private async Task<SendResult> PushAsync(Uri url, string token, string to, object[] messages, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new { to, messages });
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var (response, failure) = await ProviderHttp.SendAsync(clients, request, options.Value.SendTimeout, "LINE", cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        using var json = response!.Json();
        var root = json?.RootElement;
        if (response.IsSuccess && root is { ValueKind: JsonValueKind.Object } ok && ok.TryGetProperty("sentMessages", out var sent)
            && sent.ValueKind == JsonValueKind.Array && sent.GetArrayLength() > 0
            && sent[0].TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            return SendResult.Sent(id.GetString());
        }

        if (response.IsSuccess)
        {
            // Older API versions answer {} without ids: the push was still accepted.
            return SendResult.Sent();
        }

        var message = root is { ValueKind: JsonValueKind.Object } failed && failed.TryGetProperty("message", out var m)
            && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        var reason = $"LINE respondeu HTTP {response.Status}" + (message is null ? "" : $": {message}");
        if (response.Status == 429)
        {
            return SendResult.Failed(reason) with { RetryAfter = response.RetryAfterHeader };
        }

        return response.Status is >= 400 and < 500 ? SendResult.Rejected(reason) : SendResult.Failed(reason);
    }
}
