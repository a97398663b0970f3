using Microsoft.Playwright;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Data;
using TalkToMe.Core.Hours;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.Widget;

/// <summary>The widget tells the visitor when to expect an answer, and a visitor writing while closed gets the out-of-office reply.</summary>
public class WidgetReplyTimeTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private static readonly string[] DaysPt = ["domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado"];

    private HostPageServer _site = null!;

    public async Task InitializeAsync() => _site = await HostPageServer.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    private async Task AddWebsiteChannelAsync(string name, BusinessHours hours)
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TalkToMeDbContext>();
        var channel = new Channel(name, ChannelType.Website, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(new WebsiteSettings { WebsiteUrl = _site.BaseUrl, WelcomeTitle = "Loja Exemplo" });
        channel.ConfigureBusinessHours(hours);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        _site.Html = $"""
            <!DOCTYPE html><html><head><title>Loja Exemplo</title></head><body><h1>Loja Exemplo</h1>
            <script src="{fixture.App.BaseUrl}/widget.js" data-channel="{channel.PublicKey}" async></script></body></html>
            """;
    }

    private async Task<IFrameLocator> OpenWidgetAsync()
    {
        var visitor = await fixture.Browser.NewPageAsync();
        await visitor.GotoAsync(_site.BaseUrl + "/");
        await visitor.GetByRole(AriaRole.Button, new() { Name = "Abrir chat" }).ClickAsync();
        return visitor.FrameLocator("iframe[data-talktome=frame]");
    }

    [Fact]
    public async Task Open_SaysWeUsuallyReplyInAFewMinutes()
    {
        await AddWebsiteChannelAsync("Chat aberto", new BusinessHours
        {
            IsEnabled = true,
            Intervals = [.. Enum.GetValues<DayOfWeek>().Select(d => new BusinessInterval(d, "00:00", "24:00"))],
        });

        var chat = await OpenWidgetAsync();

        await Expect(chat.GetByTestId("widget-reply-time")).ToHaveTextAsync("Normalmente respondemos em poucos minutos");
    }

    [Fact]
    public async Task Closed_SaysWhenWeAreBack_AndTheVisitorGetsTheOutOfOfficeReplyOnce()
    {
        // Open only two days from now in São Paulo, 08:00–09:00: closed now whatever the time of the run.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Sao_Paulo");
        var day = TimeZoneInfo.ConvertTimeFromUtc(DateTime.UtcNow, zone).AddDays(2).DayOfWeek;
        await AddWebsiteChannelAsync("Chat fechado", new BusinessHours { IsEnabled = true, Intervals = [new(day, "08:00", "09:00")] });

        var chat = await OpenWidgetAsync();

        await Expect(chat.GetByTestId("widget-reply-time")).ToHaveTextAsync($"Voltamos {DaysPt[(int)day]} às 08:00");
        await chat.GetByLabel("Sua mensagem").FillAsync("Vocês abrem amanhã?");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chat.GetByTestId("widget-message").Last).ToContainTextAsync("Estamos fora do horário de atendimento");
        await chat.GetByLabel("Sua mensagem").FillAsync("Obrigado");
        await chat.GetByRole(AriaRole.Button, new() { Name = "Enviar" }).ClickAsync();
        await Expect(chat.GetByTestId("widget-message").Last).ToHaveTextAsync("Obrigado");
        await Task.Delay(500);
        await Expect(chat.GetByTestId("widget-message").Filter(new() { HasText = "Estamos fora do horário" })).ToHaveCountAsync(1);
    }
}
