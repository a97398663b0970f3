using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Conversations;

public class InboxQueryTests
{
    [Fact]
    public async Task List_OrdersByMostRecentActivityFirst()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            await db.AddConversationAsync(channel, "Antiga", TestData.Now.AddHours(-3));
            await db.AddConversationAsync(channel, "Recente", TestData.Now);
            await db.AddConversationAsync(channel, "Meio", TestData.Now.AddHours(-1));
        }

        var page = await new InboxQuery(database.Factory).ListAsync(new InboxFilter());

        Assert.Equal(["Recente", "Meio", "Antiga"], page.Items.Select(i => i.ContactName));
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task List_PagesWithKeysetCursor_WithoutGapsOrRepeats()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            // Seven share one timestamp: the cursor must break ties by id.
            for (var i = 0; i < 12; i++)
            {
                await db.AddConversationAsync(channel, $"C{i:00}", TestData.Now.AddMinutes(i < 7 ? 0 : -i));
            }
        }

        var query = new InboxQuery(database.Factory);
        var seen = new List<int>();
        InboxCursor? cursor = null;
        do
        {
            var page = await query.ListAsync(new InboxFilter(), cursor, pageSize: 5);
            seen.AddRange(page.Items.Select(i => i.Id));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(12, seen.Count);
        Assert.Equal(12, seen.Distinct().Count());
    }

    [Fact]
    public async Task List_FiltersByStatusAndAssignee()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            var resolved = await db.AddConversationAsync(channel, "Resolvida", TestData.Now);
            resolved.Resolve(TestData.Now);
            await db.AddConversationAsync(channel, "Aberta", TestData.Now);
            await db.SaveChangesAsync();
        }

        var query = new InboxQuery(database.Factory);
        var open = await query.ListAsync(new InboxFilter { Status = ConversationStatus.Open });
        var done = await query.ListAsync(new InboxFilter { Status = ConversationStatus.Resolved });
        var mine = await query.ListAsync(new InboxFilter { Assignee = AssigneeFilter.Mine, CurrentAgentId = "someone" });

        Assert.Equal(["Aberta"], open.Items.Select(i => i.ContactName));
        Assert.Equal(["Resolvida"], done.Items.Select(i => i.ContactName));
        Assert.Empty(mine.Items);
    }

    [Fact]
    public async Task List_SearchFindsContactNameAndMessageText()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            await db.AddConversationAsync(channel, "Mariana", TestData.Now, "Quero trocar o produto");
            await db.AddConversationAsync(channel, "João", TestData.Now, "Onde está meu pedido?");
        }

        var query = new InboxQuery(database.Factory);
        var byName = await query.ListAsync(new InboxFilter { Search = "mari" });
        var byText = await query.ListAsync(new InboxFilter { Search = "pedido" });

        Assert.Equal(["Mariana"], byName.Items.Select(i => i.ContactName));
        Assert.Equal(["João"], byText.Items.Select(i => i.ContactName));
    }

    [Fact]
    public async Task Search_IgnoresAccentsAndCase_MatchesWordBeginnings_AndNeedsEveryWord()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            await db.AddConversationAsync(channel, "João Conceição", TestData.Now, "Minha encomenda não chegou");
            await db.AddConversationAsync(channel, "Ana", TestData.Now.AddMinutes(-1), "Pedido 48213 está atrasado, é urgente");
            await db.AddConversationAsync(channel, "Beatriz", TestData.Now.AddMinutes(-2), "Obrigada, pedido recebido");
        }

        var query = new InboxQuery(database.Factory);
        async Task<string[]> Found(string search) =>
            (await query.ListAsync(new InboxFilter { Search = search })).Items.Select(i => i.ContactName).ToArray();

        Assert.Equal(["João Conceição"], await Found("joao conceicao"));
        Assert.Equal(["João Conceição"], await Found("NAO CHEG"));
        Assert.Equal(["Ana", "Beatriz"], await Found("pedido"));
        Assert.Equal(["Ana"], await Found("pedido urgente"));
        Assert.Equal(["Ana"], await Found("4821"));
        // Prefixes shorter and longer than the index's prefix lengths (2 to 6 letters on SQLite) find the same words.
        Assert.Equal(["Ana"], await Found("u"));
        Assert.Equal(["Ana"], await Found("atrasad"));
        Assert.Equal(["João Conceição"], await Found("conceica"));
        // A number is looked up in the text only, never in the conversation's id (SQLite's index holds both).
        Assert.Empty(await Found("1"));
        Assert.Null(await query.FindAsync(1, new InboxFilter { Search = "1" }));
        // Inside a word is not a word beginning; punctuation alone searches nothing (and is not an FTS operator).
        Assert.Empty(await Found("edido"));
        Assert.Empty(await Found("\"*: -"));
        Assert.Empty(await Found("AND OR NOT"));
    }

    [Fact]
    public async Task Search_SplitsWordsAtPunctuation_OnBothEngines()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            await db.AddConversationAsync(channel, "Bruno", TestData.Now,
                "Código de rastreio XPTO-991 para ana.souza@example.com, valor 3.14");
            await db.AddConversationAsync(channel, "Ana-Lúcia", TestData.Now.AddMinutes(-1), "Bom dia");
        }

        var query = new InboxQuery(database.Factory);
        async Task<string[]> Found(string search) =>
            (await query.ListAsync(new InboxFilter { Search = search })).Items.Select(i => i.ContactName).ToArray();

        // PostgreSQL's own parser kept "XPTO-991" as "xpto" and "-991", an e-mail address as one word and "3.14" as one
        // number; SQLite's tokenizer splits at every punctuation mark, and so must PostgreSQL.
        foreach (var search in new[] { "991", "XPTO-991", "example", "souza", "14" })
        {
            Assert.Equal(["Bruno"], await Found(search));
        }

        Assert.Equal(["Ana-Lúcia"], await Found("lucia"));
    }

    [Fact]
    public async Task Search_ForAWordInThousandsOfMessages_PagesTheSameConversationsInTheListOrder_WithTheNewestMatch()
    {
        // 2,460 matching messages (over 2,000): the search walks the list and asks each conversation (the other plan).
        // One contact has the word in its name and none of its messages does.
        await using var database = await TestDatabase.CreateAsync();
        var expected = new List<(DateTime At, int Id, string Name, bool ByName)>();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            for (var i = 0; i < 90; i++)
            {
                // Three at a time share a timestamp: pages must break ties by id, as the list does.
                var at = TestData.Now.AddMinutes(-(i / 3));
                var matches = i % 3 != 1;
                var byName = i == 10;
                var name = byName ? "Loja Pedido Certo" : $"Cliente {i:00}";
                var conversation = await db.AddConversationAsync(channel, name, at, matches ? "Sobre o pedido" : "Oi");
                for (var m = 0; m < 40; m++)
                {
                    db.Messages.Add(TalkToMe.Core.Messaging.Message.Incoming(conversation, matches ? $"Pedido {m}, mensagem {m}" : $"Nada {m}", null, at.AddSeconds(-m)));
                }

                await db.SaveChangesAsync();
                if (matches || byName)
                {
                    expected.Add((at, conversation.Id, name, byName));
                }
            }
        }

        var query = new InboxQuery(database.Factory);
        var inListOrder = expected.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).ToList();
        var everyName = inListOrder.Select(e => e.Name).ToList();
        var byMessage = inListOrder.Where(e => !e.ByName).Select(e => e.Name).ToList();
        var filter = new InboxFilter { Search = "PEDIDO" };
        var first = await query.ListAsync(filter, pageSize: 50);
        var second = await query.ListAsync(filter, first.Next, pageSize: 50);

        Assert.Equal(everyName, first.Items.Concat(second.Items).Select(i => i.ContactName));
        Assert.Null(second.Next);
        // Each row shows its newest matching message (the last one added), not just any; the row found by its name has none.
        Assert.Equal("Pedido 39, mensagem 39", first.Items[0].MatchedText);
        Assert.Null(first.Items.Single(i => i.ContactName == "Loja Pedido Certo").MatchedText);
        Assert.NotNull(await query.FindAsync(first.Items[0].Id, filter));

        // Prefixes as they are typed, shorter and longer than SQLite's prefix indexes (2 to 6 letters), and two words,
        // paged in small pages across the ties: the same conversations in the same order.
        foreach (var (search, names) in new[] { ("p", everyName), ("pe", everyName), ("pedid", everyName), ("mensage", byMessage),
                     ("pedido mensagem", byMessage) })
        {
            Assert.Equal(names, await EveryPageAsync(query, search, pageSize: 7));
        }

        // PostgreSQL: once ANALYZE has counted the word, its estimate sends the search straight to the walk, without the
        // count; the pages stay the same.
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            await using var db = database.NewContext();
            await db.Database.ExecuteSqlRawAsync("ANALYZE \"Messages\"");
            Assert.Equal(everyName, await EveryPageAsync(query, "pedido", pageSize: 7));
        }
    }

    [Fact]
    public async Task Search_ForASurnameHundredsOfContactsHave_PagesTheirConversationsInTheListOrder_WithTheMessagesThatSayIt()
    {
        // 600 contacts named Conceição (over 500: on PostgreSQL the list is walked in its order against the matching
        // contacts), among 900; two conversations of other contacts mention the name in a message.
        await using var database = await TestDatabase.CreateAsync();
        var expected = new List<(DateTime At, int Id, string Name)>();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            for (var i = 0; i < 900; i++)
            {
                var at = TestData.Now.AddMinutes(-(i / 2));
                var named = i % 3 != 0;
                var mentions = i is 3 or 600;
                var name = named ? $"Maria Conceição {i:000}" : $"José Silva {i:000}";
                var conversation = await db.AddConversationAsync(channel, name, at, mentions ? "Falei com a Dona Conceicao" : "Oi");
                if (named || mentions)
                {
                    expected.Add((at, conversation.Id, name));
                }
            }
        }

        var query = new InboxQuery(database.Factory);
        var inListOrder = expected.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Select(e => e.Name).ToList();
        foreach (var (search, pageSize) in new[] { ("conceição", 50), ("CONCEICAO", 97), ("conc", 200) })
        {
            var names = await EveryPageAsync(query, search, pageSize);

            Assert.Equal(inListOrder, names);
        }

        var first = await query.ListAsync(new InboxFilter { Search = "conceicao" });
        Assert.Equal("Falei com a Dona Conceicao", first.Items.Single(i => i.ContactName == "José Silva 003").MatchedText);
    }

    [Fact]
    public async Task Search_ForWordsNoneOfTheNewestConversationsHave_FindsTheOlderOnesInTheListOrder()
    {
        // 110 newest conversations without the words, then 30 older ones with 75 matching messages each (2,250, over
        // 2,000): a look at the newest conversations alone would call the words rare (PostgreSQL looks there first for
        // two words); the search must still find every older one, in the list's order, on both plans. The newest ones
        // have words that begin like the searched ones ("atrasadíssima"): SQLite asks its index for the first six letters
        // of a longer word, and must not take those for a match.
        await using var database = await TestDatabase.CreateAsync();
        var expected = new List<string>();
        var older = new Dictionary<int, TalkToMe.Core.Conversations.Conversation>();
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync();
            for (var i = 0; i < 140; i++)
            {
                var matches = i >= 110;
                var conversation = await db.AddConversationAsync(channel, $"Cliente {i:000}", TestData.Now.AddMinutes(-i), "Oi");
                for (var m = 0; m < (matches ? 75 : 3); m++)
                {
                    db.Messages.Add(TalkToMe.Core.Messaging.Message.Incoming(conversation,
                        matches ? $"Entrega atrasada {m}" : $"Entrega atrasadíssima? Não, feita {m}", null, TestData.Now.AddMinutes(-i).AddSeconds(-m)));
                }

                if (matches)
                {
                    expected.Add($"Cliente {i:000}");
                    older[i] = conversation;
                }
            }

            // A rare pair too: two of the older conversations also have "nota fiscal".
            db.Messages.Add(TalkToMe.Core.Messaging.Message.Incoming(older[120], "Nota fiscal", null, TestData.Now.AddDays(-2)));
            db.Messages.Add(TalkToMe.Core.Messaging.Message.Incoming(older[135], "Sua nota fiscal", null, TestData.Now.AddDays(-2)));
            await db.SaveChangesAsync();
        }

        var query = new InboxQuery(database.Factory);
        foreach (var (search, pageSize) in new[] { ("entrega atrasada", 50), ("atrasada entrega", 7), ("atrasada", 50) })
        {
            var names = new List<string>();
            InboxCursor? cursor = null;
            do
            {
                var page = await query.ListAsync(new InboxFilter { Search = search }, cursor, pageSize);
                names.AddRange(page.Items.Select(i => i.ContactName));
                Assert.All(page.Items, i => Assert.StartsWith("Entrega atrasada", i.MatchedText));
                cursor = page.Next;
            }
            while (cursor is not null);

            Assert.Equal(expected, names);
        }

        var rare = await query.ListAsync(new InboxFilter { Search = "nota fiscal" });
        Assert.Equal(["Cliente 120", "Cliente 135"], rare.Items.Select(i => i.ContactName));
        Assert.Equal(["Nota fiscal", "Sua nota fiscal"], rare.Items.Select(i => i.MatchedText));
    }

    [Fact]
    public async Task Find_ReturnsNullWhenTheConversationLeftTheFilter()
    {
        await using var database = await TestDatabase.CreateAsync();
        int id;
        await using (var db = database.NewContext())
        {
            var conversation = await db.AddConversationAsync(await db.AddChannelAsync(), "Ana", TestData.Now);
            conversation.Resolve(TestData.Now);
            await db.SaveChangesAsync();
            id = conversation.Id;
        }

        var query = new InboxQuery(database.Factory);

        Assert.Null(await query.FindAsync(id, new InboxFilter { Status = ConversationStatus.Open }));
        Assert.Equal("Ana", (await query.FindAsync(id, new InboxFilter { Status = ConversationStatus.Resolved }))?.ContactName);
    }

    /// <summary>The contact names of a search's rows, page after page to the end.</summary>
    private static async Task<List<string>> EveryPageAsync(InboxQuery query, string search, int pageSize)
    {
        var names = new List<string>();
        InboxCursor? cursor = null;
        do
        {
            var page = await query.ListAsync(new InboxFilter { Search = search }, cursor, pageSize);
            names.AddRange(page.Items.Select(i => i.ContactName));
            cursor = page.Next;
        }
        while (cursor is not null);

        return names;
    }
}
