using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Channels;

public class ChannelSettingsTests
{
    [Fact]
    public void EveryChannelType_HasSettingsThatRoundTrip()
    {
        foreach (var type in Enum.GetValues<ChannelType>())
        {
            var settings = ChannelSettings.CreateFor(type);
            var read = ChannelSettings.Read(type, settings.ToJson());
            Assert.IsType(ChannelSettings.TypeFor(type), read);
        }
    }

    [Fact]
    public void Masked_HidesSecretsButKeepsTheRest()
    {
        var settings = new WhatsAppSettings { PhoneNumberId = "1234567890", AccessToken = "EAAG-very-secret-token", AppSecret = "app-secret-xyz1" };

        var masked = (WhatsAppSettings)settings.Masked();

        Assert.Equal("1234567890", masked.PhoneNumberId);
        Assert.DoesNotContain("very-secret", masked.AccessToken);
        Assert.EndsWith("oken", masked.AccessToken);
        Assert.Equal("EAAG-very-secret-token", settings.AccessToken);
    }

    [Fact]
    public void KeepSecretsFrom_EmptySecretOnEditKeepsTheStoredOne()
    {
        var stored = new WhatsAppSettings { AccessToken = "old-token", AppSecret = "old-secret" };
        var edited = new WhatsAppSettings { AccessToken = "", AppSecret = "new-secret", PhoneNumberId = "99" };

        edited.KeepSecretsFrom(stored);

        Assert.Equal("old-token", edited.AccessToken);
        Assert.Equal("new-secret", edited.AppSecret);
    }

    [Fact]
    public async Task Channel_StoresItsTypedSettings()
    {
        await using var database = await TestDatabase.CreateAsync();
        int id;
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync("WhatsApp Vendas", ChannelType.WhatsApp);
            channel.SetSettings(new WhatsAppSettings { PhoneNumberId = "555", VerifyToken = "vt" });
            await db.SaveChangesAsync();
            id = channel.Id;
        }

        await using var read = database.NewContext();
        var settings = (await read.Channels.FindAsync(id))!.GetSettings<WhatsAppSettings>();
        Assert.Equal("555", settings.PhoneNumberId);
        Assert.Throws<ArgumentException>(() => new Channel("x", ChannelType.Telegram, "k", TestData.Now).SetSettings(settings));
    }
}
