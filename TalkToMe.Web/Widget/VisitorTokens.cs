using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace TalkToMe.Web.Widget;

/// <summary>A website visitor's identity on one channel, as a signed token the widget keeps in its own storage.</summary>
public sealed record Visitor(int ChannelId, string ExternalId);

public sealed class VisitorTokens(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("TalkToMe.Widget.Visitor.v1");

    public static string NewVisitorId() => "visitor-" + Guid.NewGuid().ToString("N");

    public string Issue(Visitor visitor) => _protector.Protect($"{visitor.ChannelId}|{visitor.ExternalId}");

    /// <summary>The visitor the token names, or null when it was forged, altered or issued for another channel.</summary>
    public Visitor? Read(string? token, int channelId)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(token).Split('|', 2);
            return parts.Length == 2 && int.TryParse(parts[0], out var id) && id == channelId ? new Visitor(id, parts[1]) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
