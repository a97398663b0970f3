namespace TalkToMe.Core.Channels;

/// <summary>
/// An event a provider delivered, signed, that could not be understood: the provider was answered 2xx (it would otherwise
/// retry for days) and the event is kept here, with why, for the channel page's "Entregas não processadas" list.
/// Only the event's JSON is kept (cut to <see cref="MaxPayloadChars"/>), never headers, signatures or secrets.
/// </summary>
public class UnprocessedDelivery
{
    public const int MaxPayloadChars = 16 * 1024;
    public const int MaxReasonChars = 500;

    private UnprocessedDelivery() { }

    public UnprocessedDelivery(int channelId, string payload, string reason, DateTime receivedAt)
    {
        ChannelId = channelId;
        Truncated = payload.Length > MaxPayloadChars;
        Payload = Truncated ? TextParts.Prefix(payload, MaxPayloadChars) : payload;
        Reason = reason.Length > MaxReasonChars ? TextParts.Prefix(reason, MaxReasonChars) : reason;
        ReceivedAt = receivedAt;
    }

    public long Id { get; private set; }
    public int ChannelId { get; private set; }
    public DateTime ReceivedAt { get; private set; }
    public string Reason { get; private set; } = "";
    public string Payload { get; private set; } = "";

    /// <summary>The event was longer than <see cref="MaxPayloadChars"/>: only its beginning is kept.</summary>
    public bool Truncated { get; private set; }
}
