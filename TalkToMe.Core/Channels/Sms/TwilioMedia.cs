using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels.Sms;

/// <summary>
/// The media of a Twilio MMS (or WhatsApp through Twilio): <c>NumMedia</c> files at <c>MediaUrl0…</c> with their types in
/// <c>MediaContentType0…</c>. Twilio serves them with the account's credentials (HTTP Basic) and redirects to its storage.
/// </summary>
public static class TwilioMedia
{
    public static IReadOnlyList<InboundMedia> Read(IReadOnlyDictionary<string, string> form)
    {
        if (!int.TryParse(form.GetValueOrDefault("NumMedia"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            return [];
        }

        var media = new List<InboundMedia>();
        for (var i = 0; i < Math.Min(count, 10); i++)
        {
            if (form.GetValueOrDefault($"MediaUrl{i}") is { Length: > 0 and <= 2000 } url && Uri.TryCreate(url, UriKind.Absolute, out var parsed)
                && (parsed.Scheme == Uri.UriSchemeHttps || parsed.Scheme == Uri.UriSchemeHttp))
            {
                var type = form.GetValueOrDefault($"MediaContentType{i}");
                media.Add(new InboundMedia(Api.ApiChannelMediaSource.KindOf(type), url, type is { Length: <= 150 } ? type : null));
            }
        }

        return media;
    }
}

/// <summary>A Twilio media URL, fetched with the account SID and auth token (never logged).</summary>
public sealed class TwilioMediaSource : IMediaSource
{
    public bool Handles(ChannelType type) => type == ChannelType.Sms;

    public Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken)
    {
        var twilio = (TwilioSmsSettings)settings;
        if (!Uri.TryCreate(source, UriKind.Absolute, out var url))
        {
            return Task.FromResult(MediaRequest.Failed("URL da mídia do Twilio inválida.", permanent: true));
        }

        var request = MediaDownloader.Get(url);
        if (!string.IsNullOrWhiteSpace(twilio.AccountSid) && !string.IsNullOrWhiteSpace(twilio.AuthToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{twilio.AccountSid.Trim()}:{twilio.AuthToken.Trim()}")));
        }

        return Task.FromResult(MediaRequest.For(request));
    }
}
