namespace TalkToMe.Core.Contacts;

/// <summary>A person the organisation talks to, possibly through several channels.</summary>
public class Contact
{
    private readonly List<ContactIdentity> _identities = [];

    private Contact() { }

    public Contact(string name, DateTime createdAt)
    {
        Name = NormalizeName(name);
        CreatedAt = createdAt;
    }

    public int Id { get; private set; }
    public string Name { get; private set; } = "";
    public string? Email { get; private set; }
    public string? Phone { get; private set; }

    /// <summary>Answers stored by flows ("Pergunta" steps) as a JSON object.</summary>
    public string AttributesJson { get; private set; } = "{}";

    public DateTime CreatedAt { get; private set; }
    public IReadOnlyCollection<ContactIdentity> Identities => _identities;

    public void Rename(string name)
    {
        if (!string.IsNullOrWhiteSpace(name))
        {
            Name = name.Trim();
        }
    }

    public void SetDetails(string? email, string? phone)
    {
        Email = NormalizeDetail(email);
        Phone = NormalizeDetail(phone);
    }

    public static string NormalizeName(string? name) => string.IsNullOrWhiteSpace(name) ? "?" : name.Trim();

    public static string? NormalizeDetail(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public void SetAttributesJson(string json) => AttributesJson = json;

    public ContactIdentity AddIdentity(int channelId, string externalId)
    {
        var identity = new ContactIdentity(this, channelId, externalId);
        _identities.Add(identity);
        return identity;
    }
}
