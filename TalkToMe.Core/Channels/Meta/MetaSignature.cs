using System.Security.Cryptography;
using System.Text;

namespace TalkToMe.Core.Channels.Meta;

/// <summary>
/// What every Meta webhook (WhatsApp, Messenger, Instagram) shares: the GET verify handshake and the X-Hub-Signature-256
/// check over the raw body (PROTOCOLS "WhatsApp Business Cloud API", "Facebook Messenger and Instagram").
/// </summary>
public static class MetaSignature
{
    public const string Header = "X-Hub-Signature-256";

    /// <summary>hub.mode must be "subscribe" and hub.verify_token the channel's verify token (an empty one verifies nothing).</summary>
    public static bool IsValidHandshake(string configuredToken, string? mode, string? verifyToken) =>
        mode == "subscribe" && !string.IsNullOrEmpty(configuredToken) && !string.IsNullOrEmpty(verifyToken)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(verifyToken), Encoding.UTF8.GetBytes(configuredToken));

    /// <summary>"sha256=" + lowercase hex HMAC-SHA256(app secret, raw body), compared in constant time.</summary>
    public static bool IsValid(string appSecret, string? header, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(appSecret) || header is null || !header.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(appSecret, body));
        var given = Encoding.ASCII.GetBytes(header["sha256=".Length..].Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    public static string Sign(string appSecret, ReadOnlySpan<byte> body) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body)).ToLowerInvariant();
}
