using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Channels;

public class ChannelTests
{
    [Theory]
    [InlineData(true, true, true, true)]
    [InlineData(true, false, false, true)]
    [InlineData(false, true, false, false)]
    [InlineData(false, false, false, false)]
    public void Switches_AtivoGovernsEverything_ContatoAtivoOnlyAgentStarts(bool ativo, bool contatoAtivo,
        bool canStart, bool canReceive)
    {
        var channel = new Channel("WhatsApp", ChannelType.WhatsApp, "k", TestData.Now);

        channel.SetSwitches(ativo, contatoAtivo);

        Assert.Equal(canStart, channel.CanStartConversation);
        Assert.Equal(canReceive, channel.CanReceive);
    }

    [Fact]
    public void DeletedChannel_ReceivesNothing()
    {
        var channel = new Channel("Site", ChannelType.Website, "k", TestData.Now);
        channel.SetSwitches(true, true);

        channel.Delete(TestData.Now);

        Assert.False(channel.CanReceive);
        Assert.False(channel.CanStartConversation);
    }

    [Fact]
    public void KeepAlive_NewChannelHasItInactive()
    {
        var channel = new Channel("Site", ChannelType.Website, "k", TestData.Now);

        Assert.False(channel.KeepAlive.IsEnabled);
    }

    [Theory]
    [InlineData(30, TimeUnit.Seconds, 30)]
    [InlineData(5, TimeUnit.Minutes, 300)]
    [InlineData(2, TimeUnit.Hours, 7200)]
    public void KeepAlive_TimesConvertWithTheirUnit(int amount, TimeUnit unit, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), KeepAliveSettings.ToTimeSpan(amount, unit));
    }

    [Fact]
    public void Mask_ShowsOnlyTheLastFourCharacters()
    {
        Assert.Equal("••••••••cdef", Secrets.Mask("0123456789abcdef"));
        Assert.Equal("••••••••", Secrets.Mask("short"));
        Assert.Equal("", Secrets.Mask(null));
    }

    [Theory]
    [InlineData(ChannelType.WhatsApp, true)]
    [InlineData(ChannelType.Email, true)]
    [InlineData(ChannelType.Sms, true)]
    [InlineData(ChannelType.Api, true)]
    [InlineData(ChannelType.Website, false)]
    [InlineData(ChannelType.Facebook, false)]
    [InlineData(ChannelType.Instagram, false)]
    [InlineData(ChannelType.Chatbot, false)]
    public void ContatoAtivo_OnlyWhereTheProviderLetsTheBusinessWriteFirst(ChannelType type, bool canStart)
    {
        var channel = new Channel("Canal", type, "k", TestData.Now);

        channel.SetSwitches(isActive: true, allowsActiveContact: true);

        Assert.Equal(canStart, channel.CanStartConversation);
    }
}
