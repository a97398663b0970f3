namespace TalkToMe.Core.Channels;

/// <summary>
/// <c>TalkToMe:PublicUrl</c>: the address the outside world reaches this app at (https://chat.example.com). It names each
/// channel's webhook URL on the channel page and is sent to Twilio as StatusCallback. Unset: the page falls back to the
/// browser's address and Twilio gets no StatusCallback unless the channel has one of its own.
/// </summary>
public sealed class PublicUrlOptions
{
    public string? PublicUrl { get; set; }

    /// <summary>The configured URL without a trailing slash, or null when unset.</summary>
    public string? BaseUrl => PublicUrls.Normalize(PublicUrl);
}

public static class PublicUrls
{
    /// <summary>Null for empty; the absolute http(s) URL without trailing slash; throws for anything else.</summary>
    public static string? Normalize(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new FormatException($"TalkToMe:PublicUrl deve ser uma URL http(s) absoluta sem query, por exemplo https://chat.exemplo.com.br (recebido: {url}).");
        }

        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>The webhook a provider channel receives at: <c>{base}/webhooks/{type}/{publicKey}</c>; null for types without one.</summary>
    public static string? Webhook(string baseUrl, ChannelType type, string publicKey) => ChannelKinds.For(type).HasProviderWebhook
        ? $"{baseUrl.TrimEnd('/')}/webhooks/{type.ToString().ToLowerInvariant()}/{publicKey}"
        : null;
}
