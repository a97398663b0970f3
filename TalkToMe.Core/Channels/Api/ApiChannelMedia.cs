using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels.Api;

/// <summary>
/// Attachments an API channel's system posted as URLs. Whoever holds the channel's token chooses them, so a URL that
/// points into this server's own network (loopback, private, link-local: a cloud's metadata service) is refused unless
/// <see cref="MediaOptions.AllowPrivateUrls"/> says otherwise; the server never fetches for an integration what only it
/// can reach. Attachments posted as base64 are stored by the endpoint before the message and never come here.
/// </summary>
public sealed class ApiChannelMediaSource(IOptions<MediaOptions> options) : IMediaSource
{
    public bool Handles(ChannelType type) => type == ChannelType.Api;

    public async Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(source, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return MediaRequest.Failed("URL do anexo inválida.", permanent: true);
        }

        if (!options.Value.AllowPrivateUrls)
        {
            IPAddress[] addresses;
            try
            {
                addresses = IPAddress.TryParse(url.Host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.Host, cancellationToken);
            }
            catch (SocketException)
            {
                return MediaRequest.Failed($"O endereço {url.Host} do anexo não existe.");
            }

            if (addresses.Length == 0 || addresses.Any(IsInternal))
            {
                return MediaRequest.Failed($"O anexo aponta para um endereço interno ({url.Host}): envie uma URL pública.", permanent: true);
            }
        }

        return MediaRequest.For(MediaDownloader.Get(url));
    }

    /// <summary>Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), unspecified.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
    }

    /// <summary>The kind a posted attachment is shown as, from its declared type.</summary>
    public static MediaKind KindOf(string? contentType) => contentType?.ToLowerInvariant() switch
    {
        { } t when t.StartsWith("image/", StringComparison.Ordinal) && !t.Contains("svg") => MediaKind.Image,
        { } t when t.StartsWith("audio/ogg", StringComparison.Ordinal) => MediaKind.Voice,
        { } t when t.StartsWith("audio/", StringComparison.Ordinal) => MediaKind.Audio,
        { } t when t.StartsWith("video/", StringComparison.Ordinal) => MediaKind.Video,
        _ => MediaKind.Document,
    };
}
