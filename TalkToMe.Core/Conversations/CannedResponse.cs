namespace TalkToMe.Core.Conversations;

/// <summary>A saved reply an agent inserts by typing "/" and its short code.</summary>
public class CannedResponse
{
    private CannedResponse() { }

    public CannedResponse(string shortCode, string content)
    {
        Update(shortCode, content);
    }

    public int Id { get; private set; }
    public string ShortCode { get; private set; } = "";
    public string Content { get; private set; } = "";

    public void Update(string shortCode, string content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(shortCode);
        ArgumentException.ThrowIfNullOrWhiteSpace(content);
        ShortCode = shortCode.Trim().TrimStart('/');
        Content = content;
    }
}
