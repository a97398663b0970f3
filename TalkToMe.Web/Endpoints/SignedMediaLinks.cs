using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Media;

namespace TalkToMe.Web.Endpoints;

/// <summary>
/// Public links to an agent's file for the providers that fetch files by URL (<see cref="IMediaLinks"/>): the attachment's
/// id and an expiry, encrypted and authenticated with the data-protection key ring every node shares, so any node serves a
/// link another one made and nobody can forge one or stretch its expiry. The clock is <see cref="TimeProvider"/>.
/// </summary>
public sealed class SignedMediaLinks(IDataProtectionProvider protection, IOptions<PublicUrlOptions> publicUrl, IOptions<MediaOptions> options,
    TimeProvider time) : IMediaLinks
{
    private readonly IDataProtector _protector = protection.CreateProtector("TalkToMe.Media.PublicLinks");

    public bool Available => publicUrl.Value.BaseUrl is not null;

    public string? For(long attachmentId)
    {
        if (publicUrl.Value.BaseUrl is not { } baseUrl)
        {
            return null;
        }

        var expires = time.GetUtcNow().Add(options.Value.LinkLifetime).ToUnixTimeSeconds();
        // Protect(string) is base64url: safe in a path as it is.
        return $"{baseUrl}/media/public/{_protector.Protect(string.Create(CultureInfo.InvariantCulture, $"{attachmentId}:{expires}"))}";
    }

    /// <summary>The attachment a link names, or null for a link that is forged, damaged or expired.</summary>
    public long? Read(string token)
    {
        string plain;
        try
        {
            plain = _protector.Unprotect(token);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return null;
        }

        var parts = plain.Split(':');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            && time.GetUtcNow().ToUnixTimeSeconds() <= expires
            ? id
            : null;
    }
}
