using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels.Api;

/// <summary>
/// Outgoing messages of API channels: a signed JSON POST to the channel's webhook URL (PROTOCOLS "Generic API channel").
/// The receiver checks <c>X-TalkToMe-Signature</c> = sha256=hex(HMAC-SHA256(secret, "{timestamp}.{raw body}")) and drops
/// repeats by <c>X-TalkToMe-Delivery</c>, which is the same on every attempt.
/// A reply's files are listed in <c>message.attachments</c> with their <c>/media/{id}</c> address under TalkToMe:PublicUrl
/// (relative when none is configured), which the receiver reads with a personal API token: the webhook stays small, and
/// a receiver that wants no file never downloads one.
/// </summary>
public sealed class ApiChannelSender(IHttpClientFactory clients, TimeProvider time, IOptions<OutboundOptions> options,
    IOptions<PublicUrlOptions>? publicUrl = null) : IChannelSender
{
    public const string HttpClientName = "TalkToMe.Webhooks";
    public const string SignatureHeader = "X-TalkToMe-Signature";
    public const string TimestampHeader = "X-TalkToMe-Timestamp";
    public const string DeliveryHeader = "X-TalkToMe-Delivery";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public ChannelType Type => ChannelType.Api;

    public async Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
    {
        var settings = (ApiChannelSettings)delivery.Settings;
        if (!Uri.TryCreate(settings.WebhookUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return SendResult.Rejected("URL do webhook não configurada");
        }

        if (string.IsNullOrEmpty(settings.WebhookSecret))
        {
            return SendResult.Rejected("Segredo do webhook não configurado");
        }

        var body = Payload(delivery, publicUrl?.Value.BaseUrl);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, "sha256=" + Sign(settings.WebhookSecret, timestamp, body));
        request.Headers.Add(DeliveryHeader, delivery.DeliveryId.ToString());

        var timeout = options.Value.SendTimeout;
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead,
                timeoutSource.Token);
            return response.IsSuccessStatusCode
                ? SendResult.Sent()
                : SendResult.Failed($"O webhook respondeu HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendResult.Failed($"O webhook não respondeu em {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return SendResult.Failed($"Falha ao conectar ao webhook: {ex.Message}");
        }
    }

    /// <summary>lowercase hex HMAC-SHA256(secret, "{timestamp}.{body}").</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")))
            .ToLowerInvariant();

    /// <param name="publicBaseUrl">TalkToMe:PublicUrl without its trailing slash, or null: the files' addresses are then relative.</param>
    public static string Payload(OutboundDelivery delivery, string? publicBaseUrl = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("event", "message_created");
            json.WriteStartObject("message");
            json.WriteNumber("id", delivery.MessageId);
            json.WriteNumber("conversationId", delivery.ConversationId);
            json.WriteString("text", delivery.Text);
            json.WriteString("createdAt", DateTime.SpecifyKind(delivery.CreatedAt, DateTimeKind.Utc));
            // camelCase as the rest of this payload and the channel's own POST (contentType, fileName).
            json.WriteStartArray("attachments");
            foreach (var file in delivery.Attachments)
            {
                json.WriteStartObject();
                json.WriteString("kind", file.Kind.ToString());
                json.WriteString("contentType", file.ContentType);
                json.WriteString("fileName", file.FileName);
                json.WriteNumber("size", file.Size);
                json.WriteString("url", $"{publicBaseUrl?.TrimEnd('/')}/media/{file.Id}");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("contact");
            json.WriteString("id", delivery.ContactExternalId);
            json.WriteString("name", delivery.ContactName);
            json.WriteEndObject();
            json.WriteStartObject("channel");
            json.WriteNumber("id", delivery.ChannelId);
            json.WriteString("name", delivery.ChannelName);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
