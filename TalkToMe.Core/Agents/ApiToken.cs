namespace TalkToMe.Core.Agents;

/// <summary>A personal API token an admin creates on their profile page; only its SHA-256 is stored.</summary>
public class ApiToken
{
    private ApiToken() { }

    public ApiToken(string userId, string name, string tokenHash, string prefix, DateTime createdAt)
    {
        UserId = userId;
        Name = name;
        TokenHash = tokenHash;
        Prefix = prefix;
        CreatedAt = createdAt;
    }

    public int Id { get; private set; }
    public string UserId { get; private set; } = "";
    public string Name { get; private set; } = "";
    public string TokenHash { get; private set; } = "";

    /// <summary>The first characters of the token, so the owner can tell tokens apart without seeing them.</summary>
    public string Prefix { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }
    public DateTime? RevokedAt { get; private set; }

    public void Revoke(DateTime at) => RevokedAt ??= at;
}
