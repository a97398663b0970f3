using Bunit;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>A reply box on a real conversation: a channel of the given type, one customer message, media stored in a folder.</summary>
internal static class ReplyBoxSetup
{
    public static async Task<(IRenderedComponent<ReplyBox> Cut, int ConversationId)> OpenReplyBoxAsync(this ComponentTestContext context,
        string mediaFolder, ChannelType type, string customerText, ChannelType? shownAs = null)
    {
        var database = await context.AddCoreAsync();
        context.Services.Configure<MediaOptions>(o => o.Folder = mediaFolder);
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync($"Canal {type}", type)).Id;
        }

        var from = type == ChannelType.Email ? "maria@example.com" : "5511988887777";
        var received = await context.GetService<InboundWriter>()
            .ReceiveAsync(new InboundMessage(channelId, from, "Maria", "m-1", customerText));
        var conversationId = received.ConversationId!.Value;
        var cut = context.Render<ReplyBox>(p => p
            .Add(c => c.ConversationId, conversationId)
            .Add(c => c.Actor, new Actor(null, "Ana"))
            .Add(c => c.ChannelId, channelId)
            .Add(c => c.ChannelType, shownAs ?? type));
        return (cut, conversationId);
    }
}
