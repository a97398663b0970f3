using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Media;

/// <summary>
/// A file an agent attaches to a reply: already in the <see cref="IMediaStore"/> (the UI saves each upload with
/// <see cref="IMediaStore.SaveAsync"/> first), with the name and type the browser declared.
/// </summary>
public sealed record OutgoingFile(string FileName, string ContentType, StoredFile Stored);

/// <summary>One kind of file's limit on one provider: the largest file, and the types it takes (null: any).</summary>
public sealed record MediaLimit(long MaxBytes, string[]? Types = null, string? TypesLabel = null)
{
    public const long Mb = 1024 * 1024;
}

/// <summary>The largest sticker (a WebP) a provider takes, without and with animation.</summary>
public sealed record StickerLimit(long MaxStatic, long MaxAnimated)
{
    public const long Kb = 1024;
}

/// <summary>
/// What a provider takes from an agent, per kind of file (PROTOCOLS "Media"); each <see cref="ChannelKind.Media"/> gives its own.
/// A null kind is refused, naming <paramref name="Accepts"/>.
/// </summary>
/// <param name="Name">The provider as the agent reads it in a refusal ("O WhatsApp aceita imagens de até 5 MB.").</param>
/// <param name="MaxTotalBytes">All of one reply's files together (e-mail: one mail carries them all).</param>
/// <param name="Accepts">The image types a provider that takes only images accepts, named when it refuses another kind.</param>
/// <param name="Sticker">Where the provider has stickers, a WebP goes out as one, within these limits (<see cref="Stickers"/>).</param>
public sealed record MediaRules(string Name, MediaLimit? Image, MediaLimit? Audio, MediaLimit? Video, MediaLimit? Document,
    long MaxTotalBytes = long.MaxValue, string? Accepts = null, StickerLimit? Sticker = null)
{
    public MediaLimit? For(MediaKind kind) => kind switch
    {
        MediaKind.Image => Image,
        MediaKind.Audio or MediaKind.Voice => Audio,
        MediaKind.Video => Video,
        _ => Document,
    };
}

/// <summary>
/// Checks what an agent attaches against the channel kind's <see cref="MediaRules"/>.
/// Checked by the reply command before anything is stored, so an agent reads "O WhatsApp aceita imagens de até 5 MB." at
/// once instead of a message that fails minutes later. The Chatbot test chat is the one type that takes no files.
/// </summary>
public static class MediaLimits
{
    /// <summary>At most this many files in one reply (each goes out as its own provider message on most channels).</summary>
    public const int MaxFilesPerReply = 10;

    /// <summary>Whether an agent can attach files to a reply on this channel type (the UI hides the attach button otherwise).</summary>
    public static bool CanSend(ChannelType type) => ChannelKinds.For(type).Media is not null;

    /// <summary>The providers that fetch each file from a public link (LINE, Twilio, Messenger, Instagram), not an upload.</summary>
    public static bool FetchesByUrl(ChannelType type) => ChannelKinds.For(type).FetchesMediaByUrl;

    /// <summary>Whether files can go on this channel here: its provider takes them, and one that fetches by URL has an address to fetch.</summary>
    public static bool CanSend(ChannelType type, IMediaLinks links) => CanSend(type) && (!FetchesByUrl(type) || links.Available);

    /// <summary>Throws when <paramref name="type"/> fetches files by URL and this server has no public address to give.</summary>
    public static void RequireLinks(ChannelType type, IMediaLinks links)
    {
        if (CanSend(type) && FetchesByUrl(type) && !links.Available)
        {
            throw new ConversationRuleException(MediaLinkText.NoPublicUrl(ProviderFor(type).Name));
        }
    }

    /// <summary>
    /// The kind a file goes out as, from the type its bytes bear out (<see cref="MediaSniffer.Decide"/>): the same rule as a
    /// file posted to an API channel, so an OGG is a voice note (what browsers record, what Telegram's sendVoice takes).
    /// </summary>
    public static MediaKind KindOf(string contentType) => Channels.Api.ApiChannelMediaSource.KindOf(contentType);

    /// <summary>
    /// Throws <see cref="ConversationRuleException"/> naming the limit when <paramref name="type"/> cannot send this file as
    /// it is (too large, a type the provider refuses, a channel that sends no files).
    /// </summary>
    public static void Require(ChannelType type, MediaKind kind, string contentType, long size)
    {
        var provider = ProviderFor(type);
        if (kind is MediaKind.Image or MediaKind.Sticker && Stickers.IsSticker(type, contentType))
        {
            Stickers.Require(type, size, animated: null);
            return;
        }

        if (provider.For(kind) is not { } limit)
        {
            throw new ConversationRuleException(ServerText.Get("Error.MediaOnlyImages", "O {0} só recebe imagens ({1}) enviadas por aqui.", provider.Name, provider.Accepts));
        }

        if (size > limit.MaxBytes)
        {
            var max = MediaSize.Format(limit.MaxBytes);
            throw new ConversationRuleException(kind switch
            {
                MediaKind.Image => ServerText.Get("Error.MediaImageTooLarge", "O {0} aceita imagens de até {1}.", provider.Name, max),
                MediaKind.Audio or MediaKind.Voice => ServerText.Get("Error.MediaAudioTooLarge", "O {0} aceita áudios de até {1}.", provider.Name, max),
                MediaKind.Video => ServerText.Get("Error.MediaVideoTooLarge", "O {0} aceita vídeos de até {1}.", provider.Name, max),
                _ => ServerText.Get("Error.MediaDocumentTooLarge", "O {0} aceita documentos de até {1}.", provider.Name, max),
            });
        }

        if (limit.Types is { } types && !types.Contains(contentType, StringComparer.OrdinalIgnoreCase))
        {
            var accepted = limit.TypesLabel;
            throw new ConversationRuleException(kind switch
            {
                MediaKind.Image => ServerText.Get("Error.MediaImageType", "O {0} aceita imagens só em {1}.", provider.Name, accepted),
                MediaKind.Audio or MediaKind.Voice => ServerText.Get("Error.MediaAudioType", "O {0} aceita áudios só em {1}.", provider.Name, accepted),
                MediaKind.Video => ServerText.Get("Error.MediaVideoType", "O {0} aceita vídeos só em {1}.", provider.Name, accepted),
                _ => ServerText.Get("Error.MediaDocumentType", "O {0} aceita documentos só em {1}.", provider.Name, accepted),
            });
        }
    }

    /// <summary>
    /// The agent's files as the attachments of their reply, each checked against <paramref name="type"/>'s limits. Built as
    /// <see cref="InboundMedia"/> with <see cref="InboundMedia.Stored"/> set because that is exactly the case the
    /// <see cref="Attachment"/> constructor already handles for bytes that came with a request (an API post, a widget upload):
    /// Ready at once, its SHA-256 set, its type decided from its bytes; nothing for the downloader to fetch.
    /// </summary>
    public static IReadOnlyList<InboundMedia> Check(ChannelType type, IReadOnlyList<OutgoingFile> files)
    {
        var provider = ProviderFor(type);
        if (files.Count > MaxFilesPerReply)
        {
            throw new ConversationRuleException(ServerText.Get("Error.MediaTooMany", "Envie até {0} arquivos por resposta.", MaxFilesPerReply));
        }

        var media = new List<InboundMedia>(files.Count);
        foreach (var file in files)
        {
            var contentType = MediaSniffer.Decide(file.ContentType, file.Stored.Head);
            if (MediaSniffer.IsDisguisedMarkup(file.ContentType, contentType))
            {
                throw new ConversationRuleException(ServerText.Get("Error.MediaDisguised", "O arquivo {0} não é o que diz ser ({1}).",
                    FileNameOf(file.FileName, contentType), file.ContentType));
            }

            var kind = Stickers.KindOf(type, contentType);
            if (kind == MediaKind.Sticker)
            {
                Stickers.Require(type, file.Stored.Size, MediaSniffer.IsAnimatedWebP(file.Stored.Head));
            }
            else
            {
                Require(type, kind, contentType, file.Stored.Size);
            }

            media.Add(new InboundMedia(kind, null, contentType, FileNameOf(file.FileName, contentType)) { Stored = file.Stored });
        }

        if (files.Sum(f => f.Stored.Size) > provider.MaxTotalBytes)
        {
            throw new ConversationRuleException(ServerText.Get("Error.MediaTotalTooLarge", "O {0} aceita até {1} de anexos por mensagem.",
                provider.Name, MediaSize.Format(provider.MaxTotalBytes)));
        }

        return media;
    }

    private static MediaRules ProviderFor(ChannelType type) => ChannelKinds.For(type).Media is { } provider
        ? provider
        : throw new ConversationRuleException(ServerText.Get("Error.MediaChannelCannotSend", "Este canal ainda não envia anexos."));

    /// <summary>The name the customer sees: no folders (a browser may send a path), at most 200 characters, never empty.</summary>
    private static string FileNameOf(string? name, string contentType)
    {
        var clean = Path.GetFileName((name ?? "").Replace('\\', '/').Trim());
        clean = new string(clean.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length == 0)
        {
            clean = "arquivo" + contentType switch
            {
                "image/jpeg" => ".jpg",
                "image/png" => ".png",
                "application/pdf" => ".pdf",
                "audio/ogg" => ".ogg",
                "video/mp4" => ".mp4",
                _ => "",
            };
        }

        if (clean.Length <= 200)
        {
            return clean;
        }

        // Shortened before its extension, which tells the customer's phone what opens it.
        var extension = Path.GetExtension(clean);
        extension = extension.Length <= 20 ? extension : "";
        return TextParts.Prefix(clean[..^extension.Length], 200 - extension.Length) + extension;
    }
}
