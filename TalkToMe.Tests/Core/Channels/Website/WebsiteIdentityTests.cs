using TalkToMe.Core.Channels.Website;

namespace TalkToMe.Tests.Core.Channels.Website;

public class WebsiteIdentityTests
{
    private static readonly WebsiteSettings Settings = new()
    {
        WebsiteUrl = "https://www.loja.example/contato",
        IdentityVerificationSecret = "segredo-do-canal",
    };

    [Fact]
    public void Verify_AcceptsTheHmacOfTheIdentifier()
    {
        var hash = WebsiteIdentity.Hash("segredo-do-canal", "cliente-42");

        Assert.True(WebsiteIdentity.Verify(Settings, "cliente-42", hash));
        Assert.True(WebsiteIdentity.Verify(Settings, "cliente-42", hash.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("cliente-43")]
    [InlineData("")]
    [InlineData(null)]
    public void Verify_RefusesAnotherIdentifierOrNone(string? identifier)
    {
        var hash = WebsiteIdentity.Hash("segredo-do-canal", "cliente-42");

        Assert.False(WebsiteIdentity.Verify(Settings, identifier, hash));
    }

    [Fact]
    public void Verify_RefusesWhenTheChannelHasNoSecret()
    {
        var settings = new WebsiteSettings { IdentityVerificationSecret = "" };

        Assert.False(WebsiteIdentity.Verify(settings, "x", WebsiteIdentity.Hash("", "x")));
    }

    [Fact]
    public void AllowedOrigins_DefaultToTheSitesOwnOrigin()
    {
        Assert.Equal(["https://www.loja.example"], WebsiteIdentity.AllowedOrigins(Settings));
        Assert.True(WebsiteIdentity.IsAllowedOrigin(Settings, "https://WWW.loja.example"));
        Assert.False(WebsiteIdentity.IsAllowedOrigin(Settings, "https://evil.example"));
        Assert.False(WebsiteIdentity.IsAllowedOrigin(Settings, null));
    }

    [Fact]
    public void AllowedOrigins_UseTheConfiguredListWhenThereIsOne()
    {
        var settings = new WebsiteSettings { WebsiteUrl = "https://a.example", AllowedOrigins = ["http://127.0.0.1:5001/", "not a url"] };

        Assert.Equal(["http://127.0.0.1:5001"], WebsiteIdentity.AllowedOrigins(settings));
    }
}
