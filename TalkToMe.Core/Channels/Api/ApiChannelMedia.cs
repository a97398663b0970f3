using TalkToMe.Core.Media;

namespace TalkToMe.Core.Channels.Api;

/// <summary>
/// Attachments an API channel's system posted as URLs: fetched as they are (the system that holds the channel's token chose
/// them). Attachments posted as base64 are stored by the endpoint before the message and never come here.
/// </summary>
public sealed class ApiChannelMediaSource : IMediaSource
{
    public bool Handles(ChannelType type) => type == ChannelType.Api;

    public Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken) =>
        Task.FromResult(Uri.TryCreate(source, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            ? MediaRequest.For(MediaDownloader.Get(url))
            : MediaRequest.Failed("URL do anexo inválida.", permanent: true));

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
