using System.Security.Cryptography;
using System.Text;

namespace TalkToMe.Core.Channels.Website;

/// <summary>
/// Chatwoot-style identity verification: the site passes <c>identifier</c> and
/// <c>identifier_hash = lowercase hex HMAC-SHA256(channel secret, identifier)</c>; a match proves the site vouches for it.
/// </summary>
public static class WebsiteIdentity
{
    public static string Hash(string secret, string identifier) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(identifier))).ToLowerInvariant();

    public static bool Verify(WebsiteSettings settings, string? identifier, string? identifierHash)
    {
        if (string.IsNullOrEmpty(settings.IdentityVerificationSecret) || string.IsNullOrEmpty(identifier)
            || string.IsNullOrEmpty(identifierHash))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Hash(settings.IdentityVerificationSecret, identifier));
        var given = Encoding.ASCII.GetBytes(identifierHash.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>The origins allowed to embed the widget: the configured list, or else the site's own origin.</summary>
    public static IReadOnlyList<string> AllowedOrigins(WebsiteSettings settings)
    {
        var configured = settings.AllowedOrigins.Select(Normalize).Where(o => o is not null).Cast<string>().ToList();
        if (configured.Count > 0)
        {
            return configured;
        }

        return Normalize(settings.WebsiteUrl) is { } own ? [own] : [];
    }

    public static bool IsAllowedOrigin(WebsiteSettings settings, string? origin) =>
        Normalize(origin) is { } normalized && AllowedOrigins(settings).Contains(normalized, StringComparer.OrdinalIgnoreCase);

    /// <summary>"https://Example.com/path" → "https://example.com"; null when it is not an http(s) URL.</summary>
    public static string? Normalize(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }

        return uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
    }
}
