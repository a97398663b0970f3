using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

public sealed class InboxEventReadTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task FindForChange_MatchesEachInboxFilter_LikeTheFilteredQuery()
    {
        await using var db = _database.NewContext();
        var channel = await db.AddChannelAsync("API Loja");
        var other = await db.AddChannelAsync("Outro");
        db.Users.Add(new AppUser { Id = "ana", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
        var conversation = await db.AddConversationAsync(channel, "Maria", TestData.Now);
        conversation.Assign("ana");
        await db.SaveChangesAsync();
        var query = new InboxQuery(_database.Factory);
        var rows = await query.FindManyAsync([conversation.Id]);
        var changed = new InboxRowChange(conversation.Id, Assert.Single(rows), HasNewMessage: false);

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
            var actual = await query.FindForChangeAsync(changed, filter);
            Assert.Equal(expected, actual);
        }

        Assert.Equal("Ana", (await query.FindForChangeAsync(changed, new InboxFilter()))!.AssigneeName);
    }

    [Fact]
    public async Task Feed_OneEventWithTwoPagesOpen_HandsBothTheSameRowFromOneRead()
    {
        await using var db = _database.NewContext();
        var channel = await db.AddChannelAsync("API Loja");
        db.Users.Add(new AppUser { Id = "ana", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana" });
        var conversation = await db.AddConversationAsync(channel, "Maria", TestData.Now);
        await db.SaveChangesAsync();
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        using var feed = new InboxFeed(hub, new InboxQuery(_database.Factory), new InboxLookups(_database.Factory),
            NullLogger<InboxFeed>.Instance);
        var first = new TaskCompletionSource<InboxRowChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<InboxRowChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var pageA = feed.Subscribe(changes => first.TrySetResult(Assert.Single(changes)));
        using var pageB = feed.Subscribe(changes => second.TrySetResult(Assert.Single(changes)));

        conversation.Assign("ana");
        await db.SaveChangesAsync();
        hub.Publish(new MessageAdded(conversation.Id, channel.Id, 1));

        var a = await first.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var b = await second.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(a.Row, b.Row);
        Assert.Equal("Ana", a.Row!.AssigneeName);
        Assert.True(a.HasNewMessage);
    }

    [Fact]
    public async Task FeedCounts_PagesThatSawTheSameEvents_ShareOneCount_AndANewEventCountsAgain()
    {
        await using var db = _database.NewContext();
        var channel = await db.AddChannelAsync("API Loja");
        var conversation = await db.AddConversationAsync(channel, "Maria", TestData.Now);
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        using var feed = new InboxFeed(hub, new InboxQuery(_database.Factory), new InboxLookups(_database.Factory),
            NullLogger<InboxFeed>.Instance);

        var seen = feed.Version;
        var a = feed.CountsAsync(AssigneeFilter.All, "ana", seen);
        var b = feed.CountsAsync(AssigneeFilter.All, "joao", seen);
        Assert.Same(a, b);
        Assert.Equal(1, (await a)[ConversationStatus.Open]);

        await db.AddConversationAsync(channel, "Pedro", TestData.Now);
        hub.Publish(new ConversationChanged(conversation.Id, channel.Id, ConversationStatus.Open, null));
        var after = await feed.CountsAsync(AssigneeFilter.All, "ana", feed.Version);
        Assert.Equal(2, after[ConversationStatus.Open]);
    }
}
