using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Tests.Support;

/// <summary>Builders for rows a test needs, written through the real DbContext.</summary>
public static class TestData
{
    public static readonly DateTime Now = new(2026, 11, 2, 12, 0, 0, DateTimeKind.Utc);

    public static async Task<Channel> AddChannelAsync(this TalkToMeDbContext db, string name = "Canal",
        ChannelType type = ChannelType.Api)
    {
        var channel = new Channel(name, type, Secrets.NewKey(), Now);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    public static async Task<Conversation> AddConversationAsync(this TalkToMeDbContext db, Channel channel, string contactName,
        DateTime lastActivity, string text = "Olá")
    {
        var contact = new Contact(contactName, lastActivity);
        var identity = contact.AddIdentity(channel.Id, Guid.NewGuid().ToString("N"));
        db.Contacts.Add(contact);
        var conversation = new Conversation(channel, identity, lastActivity);
        conversation.RecordIncoming(text, lastActivity);
        db.Conversations.Add(conversation);
        db.Messages.Add(Message.Incoming(conversation, text, null, lastActivity));
        await db.SaveChangesAsync();
        return conversation;
    }
}
