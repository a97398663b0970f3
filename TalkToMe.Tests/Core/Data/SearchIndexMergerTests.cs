using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data.Sqlite;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Data;

/// <summary>SQLite's full-text index merged into one segment while it stays correct and keeps taking messages.</summary>
public sealed class SearchIndexMergerTests
{
    [Fact]
    public async Task Merge_LeavesOneSegment_AndEverySearchFindsWhatItFoundBefore()
    {
        await using var database = await TestDatabase.CreateSqliteAsync();
        var conversations = new List<TalkToMe.Core.Conversations.Conversation>();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            for (var i = 0; i < 30; i++)
            {
                conversations.Add(await db.AddConversationAsync(channel, $"Cliente {i:00}", TestData.Now.AddMinutes(-i)));
            }

            // One commit per batch, as messages arrive: FTS5 adds a segment per commit and merges them only in fours.
            for (var batch = 0; batch < 60; batch++)
            {
                for (var m = 0; m < 10; m++)
                {
                    var conversation = conversations[(batch * 10 + m) % conversations.Count];
                    var text = (batch + m) % 7 == 0 ? $"Meu pedido {batch} está atrasado" : $"Mensagem {batch}-{m} sobre a entrega";
                    db.Messages.Add(Message.Incoming(conversation, text, null, TestData.Now.AddSeconds(-batch)));
                }

                await db.SaveChangesAsync();
            }
        }

        var merger = new SearchIndexMerger(database.Factory, database.Settings, database.Gate, TimeProvider.System,
            NullLogger<SearchIndexMerger>.Instance);
        var query = new InboxQuery(database.Factory);
        var searches = new[] { "pedido atrasado", "atrasado", "entrega", "cliente 07", "mensagem 59" };
        var before = new List<string[]>();
        foreach (var search in searches)
        {
            before.Add(await FoundAsync(query, search));
        }

        Assert.True(await merger.SegmentsAsync("MessageSearch", CancellationToken.None) > 1);

        var steps = await merger.MergeAsync("MessageSearch", TimeSpan.Zero, CancellationToken.None);

        Assert.True(steps >= 2, $"{steps} steps");
        Assert.Equal(1, await merger.SegmentsAsync("MessageSearch", CancellationToken.None));
        // Merging again finds nothing to do.
        Assert.Equal(1, await merger.MergeAsync("MessageSearch", TimeSpan.Zero, CancellationToken.None));
        for (var i = 0; i < searches.Length; i++)
        {
            Assert.Equal(before[i], await FoundAsync(query, searches[i]));
        }

        Assert.Contains("Cliente 00", before[0]);
        await using (var db = database.NewContext())
        {
            await db.Database.ExecuteSqlRawAsync("""INSERT INTO "MessageSearch"("MessageSearch") VALUES ('integrity-check')""");
            db.Messages.Add(Message.Incoming((await db.Conversations.FindAsync(conversations[29].Id))!, "Chegou a nota fiscal", null, TestData.Now));
            await db.SaveChangesAsync();
        }

        Assert.Equal(["Cliente 29"], await FoundAsync(query, "nota fiscal"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => merger.SegmentsAsync("Messages; DROP TABLE x", CancellationToken.None));
    }

    private static async Task<string[]> FoundAsync(InboxQuery query, string search) =>
        (await query.ListAsync(new InboxFilter { Search = search }, pageSize: 100)).Items.Select(i => i.ContactName).ToArray();
}
