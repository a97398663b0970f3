using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Core.Flows;

/// <summary>Messages the product itself sends (flow bot, Keep Alive): pending outgoing messages like an agent's reply.</summary>
public static class BotMessages
{
    public const string BotName = "Bot";
    public const string KeepAliveName = "Keep Alive";

    /// <summary>
    /// Adds an outgoing message to the caller's transaction. A Chatbot channel is TalkToMe's own test chat: there is
    /// no provider to hand the message to, so it is delivered the moment it is stored.
    /// </summary>
    public static Message Send(TalkToMeDbContext db, Conversation conversation, Channel channel, string text,
        SenderType senderType, string senderName, DateTime at)
    {
        var message = Message.Outgoing(conversation, text, senderType, null, senderName, at);
        DeliverIfTestChat(message, channel, at);
        conversation.RecordOutgoing(text, at);
        db.Messages.Add(message);
        return message;
    }

    /// <summary>
    /// An "Avaliação" question: <paramref name="text"/> (question, the five scores, "Responda de 1 a 5.") is what text
    /// channels send and the thread shows; <paramref name="question"/> is what a channel with its own picker shows above it.
    /// </summary>
    public static Message SendRatingQuestion(TalkToMeDbContext db, Conversation conversation, Channel channel, string text,
        string question, string senderName, DateTime at)
    {
        var message = Send(db, conversation, channel, text, SenderType.Bot, senderName, at);
        message.AskForRating(question);
        return message;
    }

    /// <summary>A Chatbot channel has no provider: its outgoing messages count as sent when stored.</summary>
    public static void DeliverIfTestChat(Message message, Channel channel, DateTime at)
    {
        if (channel.Type == ChannelType.Chatbot)
        {
            message.MarkSent(null, at);
        }
    }

    public static Message Activity(TalkToMeDbContext db, Conversation conversation, ActivityData activity, DateTime at)
    {
        var message = Message.Activity(conversation, activity, at);
        db.Messages.Add(message);
        return message;
    }

    /// <summary>Whether anything the caller added still waits for the dispatcher (so it should be woken after the commit).</summary>
    public static bool HasPendingOutgoing(IEnumerable<Message> added) =>
        added.Any(m => m.DeliveryStatus == DeliveryStatus.Pending);
}
