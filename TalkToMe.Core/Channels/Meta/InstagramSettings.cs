namespace TalkToMe.Core.Channels.Meta;

/// <summary>Instagram Direct through the Page the professional account is linked to.</summary>
public sealed class InstagramSettings : FacebookSettings
{
    public string InstagramAccountId { get; set; } = "";
}
