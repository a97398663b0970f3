using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.ChannelGroups;

namespace TalkToMe.Tests.Web.Components;

/// <summary>Issue 15 item 2, "Teams": a channel group's page gains "Agentes", the team that answers its channels.</summary>
public sealed class ChannelGroupPageTests : IAsyncLifetime
{
    private readonly ComponentTestContext _context = new(ComponentTestContext.PortugueseBrazil);
    private int _group;

    public async Task InitializeAsync()
    {
        var database = await _context.AddCoreAsync();
        await using (var db = database.NewContext())
        {
            var loja = await db.AddChannelAsync("Loja");
            db.Users.Add(new AppUser { Id = "ana", UserName = "ana@x", Email = "ana@x", DisplayName = "Ana", CreatedAt = TestData.Now });
            var bruno = new AppUser { Id = "bruno", UserName = "bruno@x", Email = "bruno@x", DisplayName = "Bruno", CreatedAt = TestData.Now };
            db.Users.Add(bruno);
            var vendas = new ChannelGroup("Vendas", null);
            vendas.SetChannels([loja]);
            vendas.SetAgents([bruno]);
            db.ChannelGroups.Add(vendas);
            await db.SaveChangesAsync();
            _group = vendas.Id;
        }

        _context.SignIn("admin", "Admin", Roles.Admin);
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private IRenderedComponent<ChannelGroupPage> RenderGroup()
    {
        _context.Render<MudPopoverProvider>();
        var page = _context.Render<ChannelGroupPage>(p => p.Add(c => c.Id, _group));
        page.WaitForAssertion(() => Assert.Equal("Vendas", page.Find("#group-name").GetAttribute("value")));
        return page;
    }

    private async Task<string[]> MembersAsync()
    {
        await using var db = _context.Database.NewContext();
        return (await db.ChannelGroups.Include(g => g.Agents).SingleAsync(g => g.Id == _group)).Agents.Select(a => a.Id).Order().ToArray();
    }

    [Fact]
    public void Agentes_IsALabelledMultiSelect_ShowingTheTeam()
    {
        var page = RenderGroup();

        var input = page.Find("#group-agents");
        Assert.Equal("Bruno", input.GetAttribute("value"));
        var label = page.Find("label[for=group-agents]");
        Assert.Equal("Agentes", label.TextContent.Trim());
        Assert.Contains("A equipe que atende os canais deste grupo", page.Markup);
    }

    [Fact]
    public async Task PickingAnAgent_AndSalvar_PutsThemInTheTeam()
    {
        var popovers = _context.Render<MudPopoverProvider>();
        var page = _context.Render<ChannelGroupPage>(p => p.Add(c => c.Id, _group));
        page.WaitForAssertion(() => Assert.Equal("Vendas", page.Find("#group-name").GetAttribute("value")));

        // As a user does: open the list under "Agentes", tick Ana.
        await page.Find("[data-testid=group-agents]").Closest(".mud-input-control")!.MouseDownAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll("[role=option]"), o => o.TextContent.Contains("Ana")));
        await popovers.FindAll("[role=option]").Single(o => o.TextContent.Contains("Ana")).ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        page.WaitForAssertion(() => Assert.Equal("Bruno, Ana", page.Find("#group-agents").GetAttribute("value")));
        await page.Find("[data-testid=group-form]").SubmitAsync();

        Assert.Equal(["ana", "bruno"], await MembersAsync());
    }

    [Fact]
    public async Task AnAgentGoneBeforeSalvar_ShowsTheFieldMessage_AndSavesNothing()
    {
        var page = RenderGroup();
        await page.InvokeAsync(() => page.FindComponents<MudSelect<string>>().Single().Instance.SelectedValuesChanged.InvokeAsync(["bruno", "ghost"]));

        await page.Find("[data-testid=group-form]").SubmitAsync();

        page.WaitForAssertion(() => Assert.Equal("Um ou mais agentes não existem.", page.Find("#error-AgentIds").TextContent.Trim()));
        Assert.Equal(["bruno"], await MembersAsync());
    }

    [Fact]
    public async Task AtribuicaoAutomatica_ChosenOnTheGroup_IsInForceOnItsChannels()
    {
        var popovers = _context.Render<MudPopoverProvider>();
        var page = _context.Render<ChannelGroupPage>(p => p.Add(c => c.Id, _group));
        page.WaitForAssertion(() => Assert.Equal("Vendas", page.Find("#group-name").GetAttribute("value")));
        Assert.Equal("Cada canal decide", page.Find("#group-assign-mode").GetAttribute("value"));
        Assert.Equal("Atribuição automática", page.Find("label[for=group-assign-mode]").TextContent.Trim());

        // As a user does: open the list under "Atribuição automática", pick "Rodízio", then Salvar.
        await page.Find("[data-testid=group-assign-mode]").Closest(".mud-input-control")!.MouseDownAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll("[role=option]"), o => o.TextContent.Contains("Rodízio")));
        await popovers.FindAll("[role=option]").Single(o => o.TextContent.Contains("Rodízio")).ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        page.WaitForAssertion(() => Assert.Equal("Rodízio", page.Find("#group-assign-mode").GetAttribute("value")));
        await page.Find("[data-testid=group-form]").SubmitAsync();

        await using var db = _context.Database.NewContext();
        var loja = await db.Channels.SingleAsync(c => c.Name == "Loja");
        var setting = await db.ChannelAssignments.AsNoTracking().SingleAsync(a => a.ChannelId == loja.Id);
        Assert.Equal(TalkToMe.Core.Conversations.AutoAssignMode.RoundRobin, setting.Mode);
        Assert.Equal(TalkToMe.Core.Conversations.GroupAssignMode.RoundRobin,
            (await db.ChannelGroups.AsNoTracking().SingleAsync(g => g.Id == _group)).AssignMode);
    }

    [Fact]
    public async Task Salvar_ClickedTwiceWhileSaving_CreatesOneGroup()
    {
        _context.Render<MudPopoverProvider>();
        var page = _context.Render<ChannelGroupPage>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#group-name")));
        page.Find("#group-name").Change("Duplo clique");

        // A double click: the second submit arrives while the first is still writing.
        var first = page.Find("[data-testid=group-form]").SubmitAsync();
        var second = page.Find("[data-testid=group-form]").SubmitAsync();
        await Task.WhenAll(first, second);

        await using var db = _context.Database.NewContext();
        Assert.Equal(1, await db.ChannelGroups.CountAsync(g => g.Name == "Duplo clique"));
    }
}
