using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Data;

public sealed class UnitOfWorkTests : IAsyncLifetime
{
    private readonly List<(InboxEvent Event, bool StoredWhenHeard)> _heard = [];
    private readonly OutboxSignal _outbox = new();
    private TestDatabase _database = null!;
    private UnitOfWorkFactory _units = null!;
    private Channel _channel = null!;
    private Conversation _conversation = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        var hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        // What a subscriber sees when it hears the event: the row must already be there for any other reader.
        hub.Subscribe(e => _heard.Add((e, e is MessageAdded added && Stored(added.MessageId))));
        _units = _database.Units(hub, _outbox);
        await using var db = _database.NewContext();
        _channel = await db.AddChannelAsync("API Loja");
        _conversation = await db.AddConversationAsync(_channel, "Maria", TestData.Now);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private bool Stored(long messageId)
    {
        using var db = _database.NewContext();
        return db.Messages.Any(m => m.Id == messageId);
    }

    private async Task<Message> AddReplyAsync(UnitOfWork unit, string text)
    {
        var conversation = await unit.Db.Conversations.SingleAsync(c => c.Id == _conversation.Id);
        var reply = conversation.Reply(new Actor("ana-id", "Ana"), text, TestData.Now);
        unit.Db.Messages.Add(reply);
        await unit.SaveChangesAsync();
        return reply;
    }

    [Fact]
    public async Task Commit_PublishesEventsAndWakesTheDispatcher_OnlyAfterTheCommit()
    {
        await using var unit = await _units.BeginAsync();
        var reply = await AddReplyAsync(unit, "Já verifico");
        unit.Publish(new MessageUpdated(_conversation.Id, _channel.Id, 999));

        // Saved inside the transaction: nobody has heard of it, and the dispatcher is still asleep.
        Assert.Empty(_heard);
        Assert.False(await _outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None));

        await unit.CommitAsync();

        Assert.Equal(
            [
                new ConversationChanged(_conversation.Id, _channel.Id, ConversationStatus.Open, null),
                // With what hub clients need to show the message without reading it back.
                new MessageAdded(_conversation.Id, _channel.Id, reply.Id)
                {
                    Text = "Já verifico",
                    Private = false,
                    Kind = MessageKind.Text,
                    Direction = MessageDirection.Outgoing,
                    SenderType = SenderType.Agent,
                    SenderName = "Ana",
                    DeliveryStatus = DeliveryStatus.Pending,
                    CreatedAt = TestData.Now,
                    ConversationStatus = ConversationStatus.Open,
                },
                new MessageUpdated(_conversation.Id, _channel.Id, 999),
            ],
            _heard.Select(h => h.Event));
        Assert.True(_heard.Single(h => h.Event is MessageAdded).StoredWhenHeard);
        Assert.True(await _outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task Dispose_WithoutCommit_RollsBackAndPublishesNothing()
    {
        long replyId;
        await using (var unit = await _units.BeginAsync())
        {
            replyId = (await AddReplyAsync(unit, "Nunca enviada")).Id;
            unit.Publish(new MessageUpdated(_conversation.Id, _channel.Id, replyId));
            unit.WakeOutbox();
        }

        Assert.Empty(_heard);
        Assert.False(await _outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.False(Stored(replyId));
    }

    [Fact]
    public async Task InTransaction_WhenTheWorkThrows_RollsBackAndPublishesNothing()
    {
        await Assert.ThrowsAsync<ConversationRuleException>(() => _units.InTransactionAsync(async unit =>
        {
            await AddReplyAsync(unit, "Nunca enviada");
            throw new ConversationRuleException("recusada");
        }));

        Assert.Empty(_heard);
        await using var db = _database.NewContext();
        Assert.Equal(1, await db.Messages.CountAsync());
    }

    [Fact]
    public async Task DiscardPart_ForgetsOnlyTheEventsOfThePartThatWasRolledBack()
    {
        await using (var unit = await _units.BeginAsync())
        {
            unit.BeginPart();
            unit.Publish(new MessageUpdated(_conversation.Id, _channel.Id, 1));
            unit.BeginPart();
            unit.Publish(new MessageUpdated(_conversation.Id, _channel.Id, 2));
            unit.WakeOutbox();
            unit.DiscardPart();
            unit.BeginPart();
            unit.Publish(new MessageUpdated(_conversation.Id, _channel.Id, 3));
            await unit.CommitAsync();
        }

        Assert.Equal([1L, 3L], _heard.Select(h => ((MessageUpdated)h.Event).MessageId));
        Assert.False(await _outbox.WaitAsync(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task TwoCommandsOnOneConversation_TheSecondWaitsForTheFirstToCommit()
    {
        // SQLite: the second writer waits for this process's turn; PostgreSQL: it waits for the first one's row lock.
        await using var first = await _units.BeginAsync();
        await first.LockConversationAsync(_conversation.Id);
        var secondLocked = Task.Run(async () =>
        {
            await using var second = await _units.BeginAsync();
            await second.LockConversationAsync(_conversation.Id);
            return await second.Db.Conversations.Where(c => c.Id == _conversation.Id).Select(c => c.Priority).SingleAsync();
        });

        await Task.Delay(300);
        Assert.False(secondLocked.IsCompleted);
        var conversation = await first.Db.Conversations.SingleAsync(c => c.Id == _conversation.Id);
        conversation.SetPriority(ConversationPriority.Urgent);
        await first.CommitAsync();

        // It reads what the first one committed, not what was there when it began waiting.
        Assert.Equal(ConversationPriority.Urgent, await secondLocked.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task TwoAdminsOnOneChannel_TheSecondWaitsForTheFirstToCommit()
    {
        // LockAsync<T> names the table from the model: the admin writers' lock, as the conversation's above.
        await using var first = await _units.BeginAsync();
        await first.LockAsync<Channel>(_channel.Id);
        var secondLocked = Task.Run(async () =>
        {
            await using var second = await _units.BeginAsync();
            await second.LockAsync<Channel>(_channel.Id);
            return await second.Db.Channels.Where(c => c.Id == _channel.Id).Select(c => c.Name).SingleAsync();
        });

        await Task.Delay(300);
        Assert.False(secondLocked.IsCompleted);
        (await first.Db.Channels.SingleAsync(c => c.Id == _channel.Id)).Rename("API Loja 2");
        await first.CommitAsync();

        Assert.Equal("API Loja 2", await secondLocked.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void WriteGate_QueuesInMemoryOnlyOnSqlite()
    {
        Assert.IsType<TalkToMe.Core.Data.Sqlite.SqliteWriteGate>(WriteGate.For(DatabaseProvider.Sqlite));
        var postgres = WriteGate.For(DatabaseProvider.PostgreSql);
        // No turn to wait for: two writers enter at once.
        Assert.True(postgres.EnterAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(postgres.EnterAsync(CancellationToken.None).IsCompletedSuccessfully);
    }
}
