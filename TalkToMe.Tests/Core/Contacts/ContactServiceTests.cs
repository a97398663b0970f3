using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Contacts;

/// <summary>Editing and merging contacts against a real SQLite database built from the migrations.</summary>
public sealed class ContactServiceTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private ContactService _service = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _service = new ContactService(_db.Factory, _db.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance)));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<(Channel WhatsApp, Channel Email)> ChannelsAsync()
    {
        await using var db = _db.NewContext();
        return (await db.AddChannelAsync("WhatsApp Vendas", ChannelType.WhatsApp), await db.AddChannelAsync("E-mail Suporte", ChannelType.Email));
    }

    private async Task<Conversation> ConversationAsync(Channel channel, string name, string externalId)
    {
        await using var db = _db.NewContext();
        db.Channels.Attach(channel);
        var contact = new Contact(name, TestData.Now);
        var identity = contact.AddIdentity(channel.Id, externalId);
        db.Contacts.Add(contact);
        var conversation = new Conversation(channel, identity, TestData.Now);
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync();
        return conversation;
    }

    [Fact]
    public async Task Merge_MovesIdentitiesAndConversationsToTheKeptContact_AndRemovesTheOther()
    {
        var (whatsApp, email) = await ChannelsAsync();
        var kept = await ConversationAsync(whatsApp, "Mariana Costa", "5511912345678");
        var duplicate = await ConversationAsync(email, "mariana@example.com", "mariana@example.com");
        await using (var db = _db.NewContext())
        {
            var other = await db.Contacts.SingleAsync(c => c.Id == duplicate.ContactId);
            other.SetAttributesJson("""{"cidade":"Recife"}""");
            await db.SaveChangesAsync();
        }

        await _service.MergeAsync(kept.ContactId, duplicate.ContactId);

        await using var check = _db.NewContext();
        var contact = await check.Contacts.Include(c => c.Identities).SingleAsync();
        Assert.Equal(kept.ContactId, contact.Id);
        Assert.Equal("Mariana Costa", contact.Name);
        Assert.Equal(["5511912345678", "mariana@example.com"], contact.Identities.Select(i => i.ExternalId).Order());
        Assert.All(await check.Conversations.ToListAsync(), c => Assert.Equal(kept.ContactId, c.ContactId));
        Assert.Contains("Recife", contact.AttributesJson);

        var row = Assert.Single(await _service.ListAsync());
        Assert.Equal("mariana@example.com", row.Email);
        Assert.Equal("+5511912345678", row.Phone);
        Assert.Equal(2, row.Conversations);
    }

    [Fact]
    public async Task Merge_WithItself_OrAMissingContact_ChangesNothing()
    {
        var (whatsApp, _) = await ChannelsAsync();
        var conversation = await ConversationAsync(whatsApp, "Mariana Costa", "5511912345678");

        await Assert.ThrowsAsync<ArgumentException>(() => _service.MergeAsync(conversation.ContactId, conversation.ContactId));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _service.MergeAsync(conversation.ContactId, 9999));

        await using var check = _db.NewContext();
        Assert.Equal(1, await check.Contacts.CountAsync());
        Assert.Equal(1, await check.ContactIdentities.CountAsync());
    }

    [Fact]
    public async Task Update_SavesNameEmailAndPhone_OrReturnsFieldErrors()
    {
        var (whatsApp, _) = await ChannelsAsync();
        var conversation = await ConversationAsync(whatsApp, "5511912345678", "5511912345678");

        var errors = await _service.UpdateAsync(conversation.ContactId, new ContactEdit(" ", "sem-arroba", "abc"));
        Assert.Equal(["Email", "Name", "Phone"], errors.Keys.Order());

        Assert.Empty(await _service.UpdateAsync(conversation.ContactId, new ContactEdit(" Mariana Costa ", "mariana@example.com", "+55 11 91234-5678")));
        await using var check = _db.NewContext();
        var contact = await check.Contacts.SingleAsync();
        Assert.Equal(("Mariana Costa", "mariana@example.com", "+55 11 91234-5678"), (contact.Name, contact.Email, contact.Phone));
    }
}
