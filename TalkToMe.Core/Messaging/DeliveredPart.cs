namespace TalkToMe.Core.Messaging;

/// <summary>
/// One provider message of an outgoing message that goes out as several (a text split at the provider's limit, each file
/// of a reply on Telegram, WhatsApp, Messenger…), stored as soon as the provider accepted it. Providers have no idempotency
/// key for these sends, so this is what lets a retry, or "Reenviar" after a partial failure, resume with the part that
/// failed instead of sending the customer the first parts again (issue 14). <see cref="Part"/> is the part's place in the
/// sender's plan, which is fixed by the message (its text and files never change once stored).
/// </summary>
public class DeliveredPart
{
    private DeliveredPart() { }

    public DeliveredPart(long messageId, int part, string? externalId, DateTime sentAt)
    {
        MessageId = messageId;
        Part = part;
        ExternalId = externalId;
        SentAt = sentAt;
    }

    public long MessageId { get; private set; }
    public int Part { get; private set; }

    /// <summary>The provider's id of this part (the first part's becomes the message's <see cref="Message.ExternalId"/>).</summary>
    public string? ExternalId { get; private set; }

    public DateTime SentAt { get; private set; }
}

/// <summary>
/// What earlier attempts of one outgoing message already delivered, and how a sender reports each part it delivers now
/// (<see cref="OutboundDelivery.Progress"/>). A sender that sends a message as several provider messages walks its parts
/// through <see cref="Plan"/>, always in the same order.
/// </summary>
public sealed class DeliveryProgress(IReadOnlyDictionary<int, string?> delivered, Func<int, string?, CancellationToken, Task> record)
{
    /// <summary>Nothing delivered yet and nothing recorded (a sender called outside the dispatcher: tests, previews).</summary>
    public static DeliveryProgress None { get; } = new(new Dictionary<int, string?>(), (_, _, _) => Task.CompletedTask);

    /// <summary>The parts an earlier attempt delivered, with their provider ids.</summary>
    public IReadOnlyDictionary<int, string?> Delivered => delivered;

    /// <summary>Starts walking a message's <paramref name="count"/> parts, numbered 0, 1, … in the order they are sent.</summary>
    public DeliveryParts Plan(int count) => new(this, count);

    internal Task RecordAsync(int part, string? externalId, CancellationToken cancellationToken) =>
        record(part, externalId, cancellationToken);
}

/// <summary>The parts of one send, walked in order by <see cref="NextAsync"/>.</summary>
public sealed class DeliveryParts(DeliveryProgress progress, int count)
{
    private int _next;

    /// <summary>
    /// Sends the next part with <paramref name="send"/>, unless an earlier attempt delivered it: then its stored id is the
    /// result and the provider hears nothing. A part the provider accepts is recorded before the next one starts. A message
    /// that is one part records nothing: its own outcome says it all, and a plain reply costs no extra write.
    /// </summary>
    public async Task<SendResult> NextAsync(Func<Task<SendResult>> send, CancellationToken cancellationToken)
    {
        var part = _next++;
        if (progress.Delivered.TryGetValue(part, out var externalId))
        {
            return SendResult.Sent(externalId);
        }

        var result = await send();
        if (result.Succeeded && count > 1)
        {
            await progress.RecordAsync(part, result.ProviderMessageId, cancellationToken);
        }

        return result;
    }
}
