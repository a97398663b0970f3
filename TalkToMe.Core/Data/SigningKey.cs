namespace TalkToMe.Core.Data;

/// <summary>
/// One key of ASP.NET Core's data-protection key ring (the XML element it writes), kept in the database on PostgreSQL so
/// that every node signs and reads the same sign-in cookies, antiforgery tokens and widget visitor tokens. Keys are
/// only ever added; the framework expires them itself.
/// </summary>
public class SigningKey
{
    private SigningKey() { }

    public SigningKey(string name, string xml)
    {
        Name = name;
        Xml = xml;
    }

    public int Id { get; private set; }

    /// <summary>The name the key ring gives the element ("key-{guid}").</summary>
    public string Name { get; private set; } = "";

    /// <summary>The key's XML, encrypted with the configured certificate when there is one.</summary>
    public string Xml { get; private set; } = "";
}
