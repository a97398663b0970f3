using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Channels;

namespace TalkToMe.Tests.Web.Components;

/// <summary>Seed 000, "Como configurar o Keep Alive": Salvar alone stores the settings inactive; Ativar then Salvar turns it on.</summary>
public sealed class ChannelPageKeepAliveTests : IAsyncLifetime
{
    private readonly ComponentTestContext _context = new();
    private int _channelId;

    public async Task InitializeAsync()
    {
        var database = await _context.AddCoreAsync();
        await using (var db = database.NewContext())
        {
            var channel = new Channel("Telegram Keep Alive", ChannelType.Telegram, Secrets.NewKey(), DateTime.UtcNow);
            channel.SetSettings(new TelegramSettings { BotToken = "123456:ABCdef", WebhookSecretToken = "s" });
            db.Channels.Add(channel);
            await db.SaveChangesAsync();
            _channelId = channel.Id;
        }

        _context.Services.Configure<PublicUrlOptions>(_ => { });
        _context.Services.AddScoped<OneTimeSecrets>();
        var authorization = _context.AddAuthorization();
        authorization.SetAuthorized("admin@talktome.local");
        authorization.SetRoles(Roles.Admin);
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Salvar_StoresTheSettingsButLeavesKeepAliveInactive_AtivarThenSalvar_ActivatesIt()
    {
        _context.Render<MudPopoverProvider>();
        var page = _context.Render<ChannelPage>(p => p.Add(c => c.Id, _channelId));
        page.WaitForAssertion(() => Assert.Equal("Desativado", page.Find("[data-testid=keepalive-state]").TextContent));

        OpenKeepAlive(page);
        page.Find("#ka-inactivity-amount").Change("10");
        page.Find("#ka-inactivity-message").Change("Ainda está por aí?");
        page.Find("#ka-finalization-amount").Change("2");
        page.Find("#ka-finalization-message").Change("Vamos encerrar o atendimento. Até logo!");
        await page.Find("[data-testid=keepalive-form]").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("Desativado", page.Find("[data-testid=keepalive-state]").TextContent));
        var stored = await KeepAliveAsync();
        Assert.False(stored.IsEnabled);
        Assert.Equal(10, stored.InactivityAmount);
        Assert.Equal(2, stored.FinalizationAmount);
        Assert.Equal("Ainda está por aí?", stored.InactivityMessage);

        OpenKeepAlive(page);
        page.WaitForAssertion(() => Assert.Equal("10", page.Find("#ka-inactivity-amount").GetAttribute("value")));
        ActivateSwitch(page).Change(true);
        await page.Find("[data-testid=keepalive-form]").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("Ativado", page.Find("[data-testid=keepalive-state]").TextContent));
        Assert.True((await KeepAliveAsync()).IsEnabled);
    }

    [Fact]
    public async Task Salvar_ClickedTwiceWhileSaving_CreatesOneChannel()
    {
        _context.Render<MudPopoverProvider>();
        var page = _context.Render<ChannelPage>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#channel-name")));
        page.Find("#channel-name").Change("API Duplo clique");
        page.Find("input[name=channel-type][value=Api]").Change(true);
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=type-settings]")));

        // A double click: the second submit arrives while the first is still writing.
        var form = page.Find("[data-testid=channel-form]");
        var first = form.SubmitAsync();
        var second = page.Find("[data-testid=channel-form]").SubmitAsync();
        await Task.WhenAll(first, second);

        await using var db = _context.Database.NewContext();
        Assert.Equal(1, await db.Channels.CountAsync(c => c.Name == "API Duplo clique"));
    }

    /// <summary>Opens the Keep Alive form; MudBlazor's button handles the click asynchronously, so the form shows a render later.</summary>
    private static void OpenKeepAlive(IRenderedComponent<ChannelPage> page)
    {
        page.FindAll("button").Single(b => b.TextContent.Trim() == "Keep Alive").Click();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#ka-inactivity-amount")));
    }

    /// <summary>The MudSwitch labelled exactly "Ativar".</summary>
    private static AngleSharp.Dom.IElement ActivateSwitch(IRenderedComponent<ChannelPage> page) =>
        page.FindAll("label.mud-switch").Single(l => l.TextContent.Trim() == "Ativar").QuerySelector("input[role=switch]")!;

    private async Task<TalkToMe.Core.KeepAlive.KeepAliveSettings> KeepAliveAsync()
    {
        await using var db = _context.Database.NewContext();
        return (await db.Channels.AsNoTracking().SingleAsync(c => c.Id == _channelId)).KeepAlive;
    }
}
