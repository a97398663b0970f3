namespace TalkToMe.Core.Media;

/// <summary>
/// The address a provider fetches an agent's file from: LINE, Twilio, Messenger and Instagram take files by URL, not by
/// upload (PROTOCOLS). Under <c>TalkToMe:PublicUrl</c>, signed, and valid for <see cref="MediaOptions.LinkLifetime"/>;
/// the web host signs them (the key ring every node shares) and serves them at <c>/media/public/{token}</c>.
/// </summary>
public interface IMediaLinks
{
    /// <summary>Whether links can be made at all (<c>TalkToMe:PublicUrl</c> is set).</summary>
    bool Available { get; }

    /// <summary>The signed absolute URL of a stored attachment, or null when <c>TalkToMe:PublicUrl</c> is not set.</summary>
    string? For(long attachmentId);
}

/// <summary>Without the web host (Core alone) there is no public address to give.</summary>
public sealed class NoMediaLinks : IMediaLinks
{
    public bool Available => false;

    public string? For(long attachmentId) => null;
}

public static class MediaLinkText
{
    /// <summary>Why a file could not go to a provider that fetches it by URL.</summary>
    public static string NoPublicUrl(string provider) => ServerText.Get("Error.MediaNeedsPublicUrl",
        "Defina TalkToMe:PublicUrl para enviar arquivos pelo {0}: ele busca cada arquivo por um endereço público.", provider);
}
