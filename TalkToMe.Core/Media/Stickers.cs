using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Core.Media;

/// <summary>
/// Where a WebP an agent attaches goes out as a sticker: on the kinds whose <see cref="MediaRules.Sticker"/> gives limits.
/// WhatsApp takes no WebP image at all, only a sticker; Telegram's <c>sendSticker</c> takes a WebP and shows it as one.
/// Everywhere else a WebP is an image (Messenger, e-mail, the API channel and the website show it as such) or is refused
/// by that provider's image types (Instagram, LINE, SMS: JPEG/PNG, and GIF for SMS).
/// </summary>
public static class Stickers
{
    public const string ContentType = "image/webp";

    /// <summary>The kind a file of this (sniffed) type goes out as on <paramref name="type"/>: a sticker where the provider has them.</summary>
    public static MediaKind KindOf(ChannelType type, string contentType) =>
        IsSticker(type, contentType) ? MediaKind.Sticker : MediaLimits.KindOf(contentType);

    public static bool IsSticker(ChannelType type, string contentType) =>
        LimitOf(type) is not null && string.Equals(contentType, ContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The kind's sticker limits (<see cref="MediaRules.Sticker"/>); null where the provider has no stickers.</summary>
    private static StickerLimit? LimitOf(ChannelType type) => ChannelKinds.For(type).Media?.Sticker;

    /// <summary>
    /// Throws <see cref="ConversationRuleException"/> naming the limit when the sticker is too large. <paramref name="animated"/>
    /// null: not known yet (the reply box checks the browser's size before uploading), so only the larger limit applies.
    /// </summary>
    public static void Require(ChannelType type, long size, bool? animated)
    {
        var limit = LimitOf(type) ?? throw new ArgumentException($"{type} sends no stickers.", nameof(type));
        var provider = ChannelKinds.For(type).Media!.Name;
        if (animated != false && size > limit.MaxAnimated)
        {
            throw new ConversationRuleException(ServerText.Get("Error.MediaStickerTooLarge", "O {0} aceita figurinhas de até {1}.",
                provider, MediaSize.Format(limit.MaxAnimated)));
        }

        if (animated == false && size > limit.MaxStatic)
        {
            throw new ConversationRuleException(limit.MaxStatic == limit.MaxAnimated
                ? ServerText.Get("Error.MediaStickerTooLarge", "O {0} aceita figurinhas de até {1}.", provider, MediaSize.Format(limit.MaxStatic))
                : ServerText.Get("Error.MediaStaticStickerTooLarge", "O {0} aceita figurinhas sem animação de até {1} (animadas: até {2}).",
                    provider, MediaSize.Format(limit.MaxStatic), MediaSize.Format(limit.MaxAnimated)));
        }
    }
}
