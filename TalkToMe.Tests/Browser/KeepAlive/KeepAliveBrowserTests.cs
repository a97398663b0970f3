using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace TalkToMe.Tests.Browser.KeepAlive;

public class KeepAliveBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string InactivityText = "Ainda esta por ai?";
    private const string FinalizationText = "Encerrando o atendimento por falta de resposta.";

    [Fact]
    public async Task KeepAlive_WithShortSettings_SendsBothMessagesThroughTheWebhook_AndTheInboxShowsTheConversationResolved()
    {
        // The demo's older API conversation gets its Keep Alive too once the settings apply; this test follows its own customer.
        await using var receiver = await WebhookReceiver.StartAsync("cliente-keepalive");
        var services = fixture.App.Services;
        int channelId;
        await using (var db = await services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
        {
            var channel = await db.Channels.SingleAsync(c => c.Name == "API Loja");
            channel.SetSettings(new ApiChannelSettings { WebhookUrl = receiver.Url, WebhookSecret = "segredo-de-teste" });
            channel.ConfigureKeepAlive(new KeepAliveSettings
            {
                InactivityAmount = 2,
                InactivityUnit = TimeUnit.Seconds,
                InactivityMessage = InactivityText,
                FinalizationAmount = 2,
                FinalizationUnit = TimeUnit.Seconds,
                FinalizationMessage = FinalizationText,
                IsEnabled = true,
            });
            await db.SaveChangesAsync();
            channelId = channel.Id;
        }

        services.GetRequiredService<KeepAliveSignal>().NotifyChannelChanged(channelId);

        var page = await fixture.SignedInPageAsync();
        await SelectTabAsync(page, "Resolvidas");

        var result = await services.GetRequiredService<InboundWriter>().ReceiveAsync(
            new InboundMessage(channelId, "cliente-keepalive", "Cliente Keep Alive", "msg-keepalive-1", "Oi, preciso de ajuda"));
        Assert.Equal(InboundOutcome.Accepted, result.Outcome);

        // Without a reload, the resolved tab gains the conversation once Keep Alive closed it (2 s + 2 s, real time).
        var row = page.GetByTestId("conversation-list").GetByTestId("conversation")
            .Filter(new() { HasText = "Cliente Keep Alive" });
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 20_000 });

        var texts = await receiver.WaitForTextsAsync(2, TimeSpan.FromSeconds(20));
        Assert.Equal([InactivityText, FinalizationText], texts);
    }

    /// <summary>Clicks a status tab until the live circuit has taken it (a click on prerendered markup is lost).</summary>
    private static async Task SelectTabAsync(IPage page, string name)
    {
        var tab = page.GetByRole(AriaRole.Tab, new() { Name = name });
        for (var attempt = 0; ; attempt++)
        {
            await tab.ClickAsync();
            try
            {
                await Expect(tab).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("is-active"), new() { Timeout = 1_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 10)
            {
            }
        }
    }

    /// <summary>A provider stand-in on 127.0.0.1: records the text of every webhook POST to one contact.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<string> _texts = new();
        private readonly SemaphoreSlim _received = new(0);

        private WebApplication App => _app;

        private WebhookReceiver(string contactId)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.MapPost("/", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                if (body.RootElement.GetProperty("contact").GetProperty("id").GetString() == contactId)
                {
                    _texts.Enqueue(body.RootElement.GetProperty("message").GetProperty("text").GetString() ?? "");
                    _received.Release();
                }

                return Results.Ok(new { id = Guid.NewGuid().ToString("N") });
            });
        }

        public string Url { get; private set; } = "";

        public static async Task<WebhookReceiver> StartAsync(string contactId)
        {
            var receiver = new WebhookReceiver(contactId);
            await receiver.App.StartAsync();
            var address = receiver.App.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            receiver.Url = address + "/";
            return receiver;
        }

        public async Task<List<string>> WaitForTextsAsync(int count, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            for (var i = 0; i < count; i++)
            {
                await _received.WaitAsync(cts.Token);
            }

            return [.. _texts];
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
