using System.Security.Cryptography;
using System.Text;

namespace TalkToMe.Core;

/// <summary>Random keys and tokens, their stored hashes, and how they are shown back (never in full).</summary>
public static class Secrets
{
    public static string NewKey(int bytes = 16) => Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();

    /// <summary>The key a channel's form left, or a new one when it left none (every channel kind's generated secret).</summary>
    public static string OrNewKey(string? key) => string.IsNullOrWhiteSpace(key) ? NewKey() : key;

    /// <summary>A URL-safe token with a readable prefix, e.g. "ttm_3f9a…".</summary>
    public static string NewToken(string prefix) =>
        prefix + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))).ToLowerInvariant();

    /// <summary>"••••••••abcd": enough to recognise a secret, never enough to use it.</summary>
    public static string Mask(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return "";
        }

        return secret.Length <= 8 ? new string('•', 8) : new string('•', 8) + secret[^4..];
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
