using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Media;

/// <summary>What a customer (or an agent) attached; the thread shows each kind its own way.</summary>
public enum MediaKind
{
    Image = 0,
    Audio = 1,

    /// <summary>A recorded voice note (WhatsApp <c>voice: true</c>, Telegram <c>voice</c>): shown as a player with its length.</summary>
    Voice = 2,
    Video = 3,
    Document = 4,
    Sticker = 5,

    /// <summary>A shared place: no file, its coordinates and name are in <see cref="Attachment.Details"/>.</summary>
    Location = 6,

    /// <summary>A shared contact card: no file, its name and phones are in <see cref="Attachment.Details"/>.</summary>
    Contact = 7,
}

public enum MediaState
{
    /// <summary>Stored as a reference to the provider's copy; the media downloader fetches it.</summary>
    Pending = 0,

    /// <summary>The bytes are in the media store (or the kind has none: a location, a contact).</summary>
    Ready = 1,

    /// <summary>Every download attempt failed, or the file is refused (too large): the thread offers "Tentar novamente".</summary>
    Failed = 2,
}

/// <summary>A place or a contact card shared in a message (the kinds that are data, not a file).</summary>
public sealed record MediaDetails(double? Latitude = null, double? Longitude = null, string? Name = null, string? Address = null,
    IReadOnlyList<string>? Phones = null);

/// <summary>
/// One file (or shared place or contact) of a message. The message is stored at once with its attachments
/// <see cref="MediaState.Pending"/> and the provider's reference in <see cref="Source"/>; the media downloader fetches the
/// bytes in the background into the content-addressed media store and the thread fills in.
/// </summary>
public class Attachment
{
    private Attachment() { }

    public Attachment(Message message, InboundMedia media, DateTime at)
        : this(media, at)
    {
        Message = message;
        ConversationId = message.ConversationId;
        ChannelId = message.ChannelId;
    }

    public Attachment(long messageId, int conversationId, int channelId, InboundMedia media, DateTime at)
        : this(media, at)
    {
        MessageId = messageId;
        ConversationId = conversationId;
        ChannelId = channelId;
    }

    private Attachment(InboundMedia media, DateTime at)
    {
        Kind = media.Kind;
        FileName = media.FileName;
        ContentType = media.ContentType;
        Size = media.Size;
        DurationSeconds = media.DurationSeconds;
        Source = media.Source;
        Details = media.Details;
        CreatedAt = at;
        // A place or a contact card has nothing to download; bytes that came with the request are stored already.
        State = media.Source is null ? MediaState.Ready : MediaState.Pending;
        if (media.Stored is { } stored)
        {
            State = MediaState.Ready;
            Sha256 = stored.Sha256;
            Size = stored.Size;
            ContentType = MediaSniffer.Decide(media.ContentType, stored.Head);
            Source = null;
        }

        NextAttemptAt = State == MediaState.Pending ? at : null;
    }

    public long Id { get; private set; }
    public long MessageId { get; private set; }
    public Message Message { get; private set; } = null!;

    /// <summary>Copied from the message so the file endpoint checks who may see it without a join.</summary>
    public int ConversationId { get; private set; }

    public int ChannelId { get; private set; }
    public MediaKind Kind { get; private set; }
    public MediaState State { get; private set; }
    public string? FileName { get; private set; }

    /// <summary>The type the content really has once stored (its magic bytes checked), else what the provider declared.</summary>
    public string? ContentType { get; private set; }

    public long? Size { get; private set; }
    public int? DurationSeconds { get; private set; }

    /// <summary>The file in the media store: lowercase hex SHA-256 of its bytes (a file received twice is stored once).</summary>
    public string? Sha256 { get; private set; }

    /// <summary>The provider's reference to fetch: a WhatsApp media id, a Telegram file_id, a URL.</summary>
    public string? Source { get; private set; }

    public MediaDetails? Details { get; private set; }
    public int Attempts { get; private set; }

    /// <summary>When the downloader tries next (a claim moves it to the claim's lease end); null once ready or failed.</summary>
    public DateTime? NextAttemptAt { get; private set; }

    public string? FailureReason { get; private set; }
    public DateTime CreatedAt { get; private set; }
}
