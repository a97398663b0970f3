using System.Text.Json;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Channels;

/// <summary>A provider's answer, read whole (they are small JSON documents).</summary>
public sealed record ProviderResponse(int Status, string Body, TimeSpan? RetryAfterHeader)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>The body as JSON, or null when it is not JSON (a proxy's HTML error page, say).</summary>
    public JsonDocument? Json()
    {
        try
        {
            return Body.Length == 0 ? null : JsonDocument.Parse(Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The one HTTP path of the provider adapters: a named client, the send timeout, and transport failures as transient results.</summary>
public static class ProviderHttp
{
    public const string ClientName = "TalkToMe.Providers";

    public static async Task<(ProviderResponse? Response, SendResult? Failure)> SendAsync(IHttpClientFactory clients,
        HttpRequestMessage request, TimeSpan timeout, string provider, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, timeoutSource.Token);
            var body = await response.Content.ReadAsStringAsync(timeoutSource.Token);
            var retryAfter = response.Headers.RetryAfter?.Delta;
            return (new ProviderResponse((int)response.StatusCode, body, retryAfter), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, SendResult.Failed($"{provider} não respondeu em {timeout.TotalSeconds:0.#} s"));
        }
        catch (HttpRequestException ex)
        {
            return (null, SendResult.Failed($"Falha ao conectar ao {provider}: {ex.Message}"));
        }
    }

    /// <summary>Base URL + path, whatever trailing slash the configured base has.</summary>
    public static Uri? Url(string baseUrl, string path)
    {
        if (!Uri.TryCreate(baseUrl?.Trim().TrimEnd('/') + "/" + path.TrimStart('/'), UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }

        return url;
    }
}
