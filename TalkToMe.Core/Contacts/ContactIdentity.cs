namespace TalkToMe.Core.Contacts;

/// <summary>The contact as one channel knows them: a phone number, an e-mail address, a Telegram chat id, a widget visitor id…</summary>
public class ContactIdentity
{
    private ContactIdentity() { }

    internal ContactIdentity(Contact contact, int channelId, string externalId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(externalId);
        Contact = contact;
        ChannelId = channelId;
        ExternalId = externalId.Trim();
    }

    public int Id { get; private set; }
    public int ContactId { get; private set; }
    public Contact Contact { get; private set; } = null!;
    public int ChannelId { get; private set; }
    public string ExternalId { get; private set; } = "";
}
