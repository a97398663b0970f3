namespace TalkToMe.Web.Hosting;

/// <summary>The "TalkToMe" configuration section.</summary>
public sealed class TalkToMeOptions
{
    public const string Section = "TalkToMe";

    public AdminOptions Admin { get; set; } = new();

    /// <summary>Seed demo channels and conversations on the first run (on by default in Development).</summary>
    public bool SeedDemoData { get; set; }

    public AuthOptions Auth { get; set; } = new();

    /// <summary>Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (nothing is believed when empty).</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    public DataProtectionSettings DataProtection { get; set; } = new();

    public sealed class AuthOptions
    {
        /// <summary>
        /// How often an open page (circuit) and a sign-in cookie are checked against the database: a user deactivated or
        /// whose role changed elsewhere loses the page within this time (changes made on the Agentes page act at once).
        /// </summary>
        public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);
    }

    public sealed class ForwardedHeadersSettings
    {
        /// <summary>IP addresses of the proxies in front of the app, e.g. 127.0.0.1 for nginx on the same host.</summary>
        public List<string> KnownProxies { get; set; } = [];

        /// <summary>Networks of the proxies in CIDR notation, e.g. 10.0.0.0/8.</summary>
        public List<string> KnownNetworks { get; set; } = [];
    }

    public sealed class DataProtectionSettings
    {
        /// <summary>A PKCS#12 (.pfx) certificate with its private key; when set, the key ring is encrypted with it at rest.</summary>
        public string? CertificatePath { get; set; }

        public string? CertificatePassword { get; set; }
    }

    public sealed class AdminOptions
    {
        public string Email { get; set; } = "";
        public string Password { get; set; } = "";
    }
}
