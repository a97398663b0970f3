namespace TalkToMe.Web.Hosting;

/// <summary>The "TalkToMe" configuration section.</summary>
public sealed class TalkToMeOptions
{
    public const string Section = "TalkToMe";

    public AdminOptions Admin { get; set; } = new();

    /// <summary>Seed demo channels and conversations on the first run (on by default in Development).</summary>
    public bool SeedDemoData { get; set; }

    public sealed class AdminOptions
    {
        public string Email { get; set; } = "";
        public string Password { get; set; } = "";
    }
}
