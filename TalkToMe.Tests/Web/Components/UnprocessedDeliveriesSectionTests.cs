using Bunit;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Channels;

namespace TalkToMe.Tests.Web.Components;

/// <summary>The channel page's "Entregas não processadas": what the provider sent that could not be read, with why, newest first.</summary>
public sealed class UnprocessedDeliveriesSectionTests : IAsyncLifetime
{
    private ComponentTestContext _context = null!;
    private int _channelId;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    /// <remarks>The context is made by the test itself: a culture set inside an awaited helper would not outlive it.</remarks>
    private async Task ArrangeAsync(int events)
    {
        var database = await _context.AddCoreAsync();
        await using (var db = database.NewContext())
        {
            var channel = new Channel("Telegram", ChannelType.Telegram, Secrets.NewKey(), DateTime.UtcNow);
            channel.SetSettings(new TelegramSettings { BotToken = "1:x", WebhookSecretToken = "s" });
            db.Channels.Add(channel);
            await db.SaveChangesAsync();
            _channelId = channel.Id;
        }

        var service = _context.Services.GetRequiredService<UnprocessedDeliveryService>();
        for (var i = 0; i < events; i++)
        {
            await service.RecordAsync(_channelId, [new UnreadableEvent($$$"""{"update_id":{{{i}}}}""", $"motivo {i}")]);
        }
    }

    [Fact]
    public async Task ListsEachEventNewestFirstWithItsReasonAndPayload_LimparEmptiesIt()
    {
        _context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        await ArrangeAsync(2);

        var section = _context.Render<UnprocessedDeliveriesSection>(p => p.Add(c => c.ChannelId, _channelId));

        section.WaitForAssertion(() => Assert.Equal(2, section.FindAll("[data-testid=unprocessed-row]").Count));
        Assert.Contains("Entregas não processadas (2)", section.Find("h2").TextContent);
        Assert.Equal(["motivo 1", "motivo 0"], section.FindAll("[data-testid=unprocessed-reason]").Select(e => e.TextContent));
        Assert.Equal("""{"update_id":1}""", section.FindAll("[data-testid=unprocessed-payload]")[0].TextContent);

        await section.Find("[data-testid=unprocessed-clear]").ClickAsync(new());

        section.WaitForAssertion(() => Assert.NotNull(section.Find("[data-testid=unprocessed-empty]")));
        Assert.Empty(await _context.Services.GetRequiredService<UnprocessedDeliveryService>().ListAsync(_channelId));
    }

    [Fact]
    public async Task InEnglish_TheListIsCalledUnprocessedDeliveries()
    {
        _context = new ComponentTestContext(ComponentTestContext.English);
        await ArrangeAsync(0);

        var section = _context.Render<UnprocessedDeliveriesSection>(p => p.Add(c => c.ChannelId, _channelId));

        section.WaitForAssertion(() => Assert.Contains("Unprocessed deliveries (0)", section.Find("h2").TextContent));
        Assert.Equal("No unprocessed deliveries.", section.Find("[data-testid=unprocessed-empty]").TextContent);
    }
}
