using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

/// <summary>
/// The Chatbot channel is the admins' test chat: its conversations stay out of the agents' inbox (list, live rows and tab
/// counts) unless an agent picks that channel in the inbox filter.
/// </summary>
public class InboxChatbotTestChatTests
{
    [Fact]
    public async Task List_LeavesChatbotTestChatsOut_UnlessTheirChannelIsPicked()
    {
        await using var database = await TestDatabase.CreateAsync();
        int chatbotId;
        await using (var db = database.NewContext())
        {
            var api = await db.AddChannelAsync("API");
            var chatbot = await db.AddChannelAsync("Chatbot Loja", ChannelType.Chatbot);
            chatbotId = chatbot.Id;
            await db.AddConversationAsync(api, "Cliente", TestData.Now.AddMinutes(-1), "Olá, quero comprar");
            await db.AddConversationAsync(chatbot, "Admin (teste)", TestData.Now, "Olá, quero testar");
        }

        var query = new InboxQuery(database.Factory);

        Assert.Equal(["Cliente"], (await query.ListAsync(new InboxFilter())).Items.Select(i => i.ContactName));
        Assert.Equal(["Cliente"], (await query.ListAsync(new InboxFilter { Status = null })).Items.Select(i => i.ContactName));
        Assert.Equal(["Cliente"], (await query.ListAsync(new InboxFilter { Search = "Olá" })).Items.Select(i => i.ContactName));
        Assert.Equal(["Admin (teste)"], (await query.ListAsync(new InboxFilter { ChannelId = chatbotId })).Items.Select(i => i.ContactName));
    }

    [Fact]
    public async Task LiveRows_ChatbotTestChatDoesNotMatchTheInbox_UnlessItsChannelIsPicked()
    {
        await using var database = await TestDatabase.CreateAsync();
        int chatbotId, testId;
        await using (var db = database.NewContext())
        {
            var chatbot = await db.AddChannelAsync("Chatbot Loja", ChannelType.Chatbot);
            chatbotId = chatbot.Id;
            testId = (await db.AddConversationAsync(chatbot, "Admin (teste)", TestData.Now)).Id;
        }

        var query = new InboxQuery(database.Factory);
        var row = Assert.Single(await query.FindManyAsync([testId]));

        Assert.False(InboxQuery.Matches(row, new InboxFilter()));
        Assert.Null(await query.FindForChangeAsync(new InboxRowChange(testId, row, true), new InboxFilter()));
        Assert.True(InboxQuery.Matches(row, new InboxFilter { ChannelId = chatbotId }));
        Assert.Null(await query.FindAsync(testId, new InboxFilter()));
    }

    [Fact]
    public async Task Counts_LeaveChatbotTestChatsOut()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var api = await db.AddChannelAsync("API");
            var chatbot = await db.AddChannelAsync("Chatbot Loja", ChannelType.Chatbot);
            await db.AddConversationAsync(api, "Cliente", TestData.Now);
            await db.AddConversationAsync(chatbot, "Admin (teste)", TestData.Now);
            await db.AddConversationAsync(chatbot, "Outro admin (teste)", TestData.Now);
        }

        var counts = await new InboxLookups(database.Factory).CountsAsync(AssigneeFilter.All, null);
        var unassigned = await new InboxLookups(database.Factory).CountsAsync(AssigneeFilter.Unassigned, null);

        Assert.Equal(1, counts[ConversationStatus.Open]);
        Assert.Equal(1, unassigned[ConversationStatus.Open]);
        Assert.Equal(0, counts[ConversationStatus.Pending]);
    }
}
