using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>"Nova conversa": what the agent submits reaches the customer once, however they click.</summary>
public sealed class NewConversationDialogTests : IAsyncLifetime
{
    private readonly ComponentTestContext _context = new();
    private Channel _channel = null!;

    public async Task InitializeAsync()
    {
        var database = await _context.AddCoreAsync();
        await using var db = database.NewContext();
        _channel = await db.AddChannelAsync("API Loja");
        _channel.SetSwitches(true, true);
        db.Users.Add(new AppUser { Id = "agent-ana", UserName = "ana@talktome.local", Email = "ana@talktome.local", DisplayName = "Ana" });
        await db.SaveChangesAsync();
        _context.SignIn("agent-ana", "Ana");
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Iniciar_ClickedTwiceWhileSending_SendsTheFirstMessageOnce()
    {
        _context.Render<MudPopoverProvider>();
        var closed = 0;
        var dialog = _context.Render<NewConversationDialog>(p => p
            .Add(d => d.Channels, [new ChannelOption(_channel.Id, _channel.Name, ChannelType.Api, true)])
            .Add(d => d.Close, () => closed++));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudSelect<int>>().Instance.ValueChanged.InvokeAsync(_channel.Id));
        await dialog.InvokeAsync(() => dialog.FindComponent<MudRadioGroup<bool>>().Instance.ValueChanged.InvokeAsync(true));
        var fields = dialog.FindComponents<MudTextField<string>>();
        await dialog.InvokeAsync(() => fields[0].Instance.ValueChanged.InvokeAsync("cliente-42"));
        await dialog.InvokeAsync(() => dialog.FindComponents<MudTextField<string>>()[^1].Instance.ValueChanged.InvokeAsync("Olá, seu pedido chegou"));

        // A double click: the second submit arrives while the first is writing, or just after it started the conversation
        // and before the inbox closed the dialog (here the dialog stays, as in that moment).
        var first = dialog.Find("form").SubmitAsync();
        var second = dialog.Find("form").SubmitAsync();
        await Task.WhenAll(first, second);

        await using var db = _context.Database.NewContext();
        Assert.Equal(1, await db.Messages.CountAsync(m => m.Content == "Olá, seu pedido chegou"));
        Assert.Equal(1, await db.Conversations.CountAsync());
        Assert.True(closed >= 1);
    }
}
