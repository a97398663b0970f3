using TalkToMe.Core.Channels;

namespace TalkToMe.Core.Messaging;

/// <summary>
/// Everything an adapter needs to send one outgoing message through its channel (read once, outside any transaction).
/// <see cref="RatingQuestion"/>: the message asks for an "Avaliação"; a channel with a picker of its own offers the five
/// scores there under this question, every other one sends <see cref="Text"/> (which lists them and says "Responda de 1 a 5.").
/// </summary>
public sealed record OutboundDelivery(
    long MessageId,
    Guid DeliveryId,
    int ConversationId,
    string Text,
    DateTime CreatedAt,
    int Attempt,
    int ChannelId,
    string ChannelName,
    ChannelType ChannelType,
    ChannelSettings Settings,
    string ContactExternalId,
    string ContactName,
    DateTime? LastCustomerMessageAt = null,
    MessageTemplate? Template = null,
    string ChannelPublicKey = "",
    string? RatingQuestion = null)
{
    /// <summary>
    /// The reply's files, in the order the agent attached them (empty for a text). <see cref="Text"/> is then their caption,
    /// empty when the agent wrote none. Only the channel types <see cref="Media.MediaLimits.CanSend"/> names ever get any.
    /// </summary>
    public IReadOnlyList<OutboundAttachment> Attachments { get; init; } = [];

    /// <summary>
    /// The parts earlier attempts delivered and the recorder of new ones: a sender that sends this message as several provider
    /// messages walks them through <see cref="DeliveryProgress.Plan"/> so a retry never repeats one the customer already has.
    /// </summary>
    public DeliveryProgress Progress { get; init; } = DeliveryProgress.None;
}

/// <summary>One file of an outgoing message: its bytes are <see cref="Media.IMediaStore.OpenReadAsync"/>(<see cref="Sha256"/>).</summary>
public sealed record OutboundAttachment(long Id, Media.MediaKind Kind, string ContentType, string FileName, long Size, string Sha256);

/// <summary>What a send attempt came to. <see cref="Permanent"/> failures are not retried (bad configuration, refused recipient).</summary>
public sealed record SendResult(bool Succeeded, string? ProviderMessageId, string? Error, bool Permanent = false)
{
    /// <summary>The provider asked us to wait (Telegram 429 <c>retry_after</c>): the next attempt is not earlier than this.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static SendResult Sent(string? providerMessageId = null) => new(true, providerMessageId, null);

    public static SendResult Failed(string reason) => new(false, null, reason);

    public static SendResult Rejected(string reason) => new(false, null, reason, Permanent: true);
}

/// <summary>
/// One implementation per channel type (registered as IChannelSender; the dispatcher picks it by <see cref="Type"/>).
/// Throwing is a transient failure; cancellation through the token means the app is stopping (the claim lease brings the
/// message back).
/// </summary>
public interface IChannelSender
{
    ChannelType Type { get; }

    Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken);
}
