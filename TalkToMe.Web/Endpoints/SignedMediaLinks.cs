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

    // A purpose of its own: a visitor's link can never be read as a provider's one, nor the other way round.
    private readonly IDataProtector _visitors = protection.CreateProtector("TalkToMe.Media.VisitorLinks");

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
    public long? Read(string token) => Unseal(_protector, token, 2) is [var id, _] ? id : null;

    /// <summary>
    /// The website widget's address for a file of the visitor's own conversation (theirs or an agent's), relative to the app
    /// the widget's frame is served from, for as long as <see cref="MediaOptions.LinkLifetime"/>.
    /// </summary>
    public string ForVisitor(long attachmentId, int conversationId)
    {
        var expires = time.GetUtcNow().Add(options.Value.LinkLifetime).ToUnixTimeSeconds();
        return $"/media/visitor/{_visitors.Protect(string.Create(CultureInfo.InvariantCulture, $"{attachmentId}:{conversationId}:{expires}"))}";
    }

    /// <summary>The attachment and conversation a visitor's link names, or null for a forged, damaged or expired one.</summary>
    public (long AttachmentId, int ConversationId)? ReadVisitor(string token) =>
        Unseal(_visitors, token, 3) is [var id, var conversation, _] && conversation <= int.MaxValue ? (id, (int)conversation) : null;

    /// <summary>The numbers a token seals, the last being its expiry in Unix seconds; null when it is not one or has expired.</summary>
    private long[]? Unseal(IDataProtector protector, string token, int count)
    {
        string plain;
        try
        {
            plain = protector.Unprotect(token);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return null;
        }

        var parts = plain.Split(':');
        var numbers = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        return numbers.Length == count && time.GetUtcNow().ToUnixTimeSeconds() <= numbers[^1] ? numbers : null;
    }
}
