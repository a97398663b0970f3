using TalkToMe.Core.Channels;

namespace TalkToMe.Core.Media;

/// <summary>
/// How to fetch a file a provider holds: the request for its bytes (after whatever look-up the provider needs first), or why
/// not. <see cref="Permanent"/> failures are not retried (the provider says the file is gone, the channel lacks a token).
/// Failure texts are shown to agents and logged: never a token or a signed URL in them.
/// </summary>
public sealed record MediaRequest(HttpRequestMessage? Request, string? Failure, bool Permanent = false)
{
    public static MediaRequest For(HttpRequestMessage request) => new(request, null);

    public static MediaRequest Failed(string failure, bool permanent = false) => new(null, failure, permanent);
}

/// <summary>One channel type's media download (PROTOCOLS): WhatsApp media id → URL, Telegram getFile, a plain URL.</summary>
public interface IMediaSource
{
    bool Handles(ChannelType type);

    Task<MediaRequest> RequestAsync(ChannelSettings settings, string source, CancellationToken cancellationToken);
}
