using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

public sealed class InboxEventReadTests : IAsyncLifetime
{
    private SqliteTestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await SqliteTestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task FindForEvent_MatchesEachInboxFilter_LikeTheFilteredQuery()
    {
        await using var db = _database.NewContext();
        var channel = await db.AddChannelAsync("API Loja");
        var other = await db.AddChannelAsync("Outro");
        db.Users.Add(new AppUser { Id = "ana", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
        var conversation = await db.AddConversationAsync(channel, "Maria", TestData.Now);
        conversation.Assign("ana");
        await db.SaveChangesAsync();
        var query = new InboxQuery(_database.Factory);
        var changed = new ConversationChanged(conversation.Id, channel.Id, ConversationStatus.Open, "ana");

        InboxFilter[] filters =
        [
            new(),
            new() { Status = ConversationStatus.Resolved },
            new() { Assignee = AssigneeFilter.Mine, CurrentAgentId = "ana" },
            new() { Assignee = AssigneeFilter.Mine, CurrentAgentId = "joao" },
            new() { Assignee = AssigneeFilter.Unassigned },
            new() { ChannelId = channel.Id },
            new() { ChannelId = other.Id },
            new() { Search = "Maria" },
            new() { Search = "Pedro" },
        ];

        foreach (var filter in filters)
        {
            var expected = await query.FindAsync(conversation.Id, filter);
            var actual = await query.FindForEventAsync(changed, filter);
            Assert.Equal(expected, actual);
        }

        Assert.Equal("Ana", (await query.FindForEventAsync(changed, new InboxFilter()))!.AssigneeName);
    }
}
