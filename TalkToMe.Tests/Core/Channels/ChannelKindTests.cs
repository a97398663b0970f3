using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Tests.Core.Channels;

/// <summary>
/// Each channel kind owns what its provider allows and registers the services that talk to it: one kind per type, and what
/// the product asks (can it write first, is there a 24-hour window, which files, which webhook) answered by that kind.
/// </summary>
public class ChannelKindTests
{
    [Fact]
    public void EveryChannelType_HasExactlyOneKind_WithItsOwnSettingsClass()
    {
        Assert.Equal(Enum.GetValues<ChannelType>().Order(), ChannelKinds.All.Select(k => k.Type).Order());
        Assert.Equal(ChannelKinds.All.Count, ChannelKinds.All.Select(k => k.SettingsType).Distinct().Count());
        foreach (var kind in ChannelKinds.All)
        {
            Assert.Same(kind, ChannelKinds.For(kind.Type));
            Assert.Same(kind, ChannelKinds.For(kind.NewSettings()));
            Assert.IsType(kind.SettingsType, ChannelSettings.Read(kind.Type, kind.NewSettings().ToJson()));
        }
    }

    // What each provider allows, as PROTOCOLS.md says: writing first, a 24-hour window, templates, files, files fetched by
    // URL, a provider webhook. The answers used to be switches spread over the code; now each kind says them.
    [Theory]
    [InlineData(ChannelType.WhatsApp, true, true, true, true, false, true)]
    [InlineData(ChannelType.Facebook, false, true, false, true, true, true)]
    [InlineData(ChannelType.Instagram, false, true, false, true, true, true)]
    [InlineData(ChannelType.Telegram, true, false, false, true, false, true)]
    [InlineData(ChannelType.Sms, true, false, false, true, true, true)]
    [InlineData(ChannelType.Line, true, false, false, true, true, true)]
    [InlineData(ChannelType.Email, true, false, false, true, false, true)]
    [InlineData(ChannelType.Website, false, false, false, true, false, false)]
    [InlineData(ChannelType.Api, true, false, false, true, false, false)]
    [InlineData(ChannelType.Chatbot, false, false, false, false, false, false)]
    public void EachKind_SaysWhatItsProviderAllows(ChannelType type, bool writesFirst, bool replyWindow, bool templates, bool files,
        bool filesByUrl, bool webhook)
    {
        Assert.Equal(writesFirst, Channel.SupportsActiveContact(type));
        Assert.Equal(replyWindow, ReplyWindow.Applies(type));
        Assert.Equal(templates, ChannelKinds.For(type).SendsTemplates);
        Assert.Equal(files, MediaLimits.CanSend(type));
        Assert.Equal(filesByUrl, MediaLimits.FetchesByUrl(type));
        Assert.Equal(webhook, PublicUrls.Webhook("https://chat.example.com", type, "k1") is not null);
    }

    [Fact]
    public void ProviderWebhook_IsNamedByTheType()
    {
        Assert.Equal("https://chat.example.com/webhooks/telegram/k1", PublicUrls.Webhook("https://chat.example.com/", ChannelType.Telegram, "k1"));
        Assert.Equal("https://chat.example.com/webhooks/sms/k2", PublicUrls.Webhook("https://chat.example.com", ChannelType.Sms, "k2"));
    }

    [Fact]
    public void EachKind_RegistersOneSenderAndItsMediaAndProfileSources()
    {
        var services = new ServiceCollection().AddLogging(l => l.ClearProviders());
        services.AddTalkToMeCore(DatabaseSettings.Sqlite("Data Source=:memory:"));
        using var provider = services.BuildServiceProvider();

        var senders = provider.GetServices<IChannelSender>().ToList();
        foreach (var type in Enum.GetValues<ChannelType>().Where(t => t != ChannelType.Chatbot))
        {
            Assert.Single(senders, s => s.Type == type);
        }

        Assert.DoesNotContain(senders, s => s.Type == ChannelType.Chatbot);

        // Files customers send are fetched from every provider that gives a reference instead of the bytes.
        var sources = provider.GetServices<IMediaSource>().ToList();
        foreach (var type in new[] { ChannelType.WhatsApp, ChannelType.Telegram, ChannelType.Facebook, ChannelType.Instagram, ChannelType.Line, ChannelType.Sms, ChannelType.Api })
        {
            Assert.Single(sources, s => s.Handles(type));
        }

        // Messenger and Instagram share one media source and one profile source, registered once though both kinds add them.
        var profiles = provider.GetServices<IContactProfileSource>().ToList();
        Assert.Equal(2, profiles.Count);
        Assert.Single(profiles, p => p.Handles(ChannelType.Facebook));
        Assert.Single(profiles, p => p.Handles(ChannelType.Instagram));
        Assert.Single(profiles, p => p.Handles(ChannelType.Line));
        Assert.NotNull(provider.GetService<WhatsAppTemplateService>());
    }

    [Fact]
    public void SettingsRules_AreTheKindsOwn()
    {
        var errors = new Dictionary<string, string>();
        ChannelSettingsRules.Validate(new InstagramSettings(), errors);
        // Instagram checks the page fields Messenger checks, plus its account id.
        Assert.Contains("Settings.PageId", errors.Keys);
        Assert.Contains("Settings.AppSecret", errors.Keys);
        Assert.Contains("Settings.InstagramAccountId", errors.Keys);

        errors.Clear();
        ChannelSettingsRules.Validate(new TelegramSettings { BotToken = "not a token" }, errors);
        Assert.Contains("Settings.BotToken", errors.Keys);

        errors.Clear();
        ChannelSettingsRules.Validate(new TelegramSettings { BotToken = "123456:ABC-def_1" }, errors);
        Assert.Empty(errors);

        var instagram = new InstagramSettings();
        ChannelSettingsRules.GenerateMissingKeys(instagram);
        Assert.False(string.IsNullOrWhiteSpace(instagram.VerifyToken));
        var edited = new InstagramSettings();
        ChannelSettingsRules.KeepGeneratedKeysFrom(edited, instagram);
        Assert.Equal(instagram.VerifyToken, edited.VerifyToken);
    }

    [Fact]
    public void ContactDetails_ComeFromTheKindsThatKnowThem()
    {
        Assert.Equal("+5511999998888", ContactService.PhoneFrom([new("WhatsApp", ChannelType.WhatsApp, "5511999998888")]));
        Assert.Equal("+5511999997777", ContactService.PhoneFrom([new("SMS", ChannelType.Sms, "+5511999997777")]));
        Assert.Null(ContactService.PhoneFrom([new("Telegram", ChannelType.Telegram, "123456")]));
        Assert.Equal("ana@example.com", ContactService.EmailFrom([new("Site", ChannelType.Website, "v1"), new("Mail", ChannelType.Email, "ana@example.com")]));
        Assert.Null(ContactService.EmailFrom([new("API", ChannelType.Api, "ana@example.com")]));
    }
}
