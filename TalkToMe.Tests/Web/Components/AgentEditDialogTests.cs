using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Agents;
using TalkToMe.Web.Components.Pages.Agents;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// Issue 15 item 2, "Teams", on the Agentes page's edit dialog: it lists the agent's groups and has the switch "Só os canais
/// dos seus grupos", which the server refuses, with a message under it, for an agent in no group and for an admin.
/// </summary>
public sealed class AgentEditDialogTests : IAsyncLifetime
{
    private readonly ComponentTestContext _context = new(ComponentTestContext.PortugueseBrazil);

    public async Task InitializeAsync()
    {
        var database = await _context.AddCoreAsync();
        _context.Services.AddIdentityCore<AppUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<TalkToMeDbContext>();
        _context.Services.AddSingleton<AgentAdminService>();
        _context.SignIn("admin", "Admin", Roles.Admin);
        await using var db = database.NewContext();
        var loja = await db.AddChannelAsync("Loja");
        var ana = Agent("ana", "Ana");
        db.Users.AddRange(ana, Agent("bruno", "Bruno"));
        var vendas = new ChannelGroup("Vendas", null);
        vendas.SetChannels([loja]);
        vendas.SetAgents([ana]);
        var pos = new ChannelGroup("Pós-venda", null);
        pos.SetAgents([ana]);
        db.ChannelGroups.AddRange(vendas, pos);
        var agentRole = new IdentityRole(Roles.Agent) { NormalizedName = Roles.Agent.ToUpperInvariant() };
        db.Roles.AddRange(agentRole, new IdentityRole(Roles.Admin) { NormalizedName = Roles.Admin.ToUpperInvariant() });
        db.UserRoles.AddRange(new IdentityUserRole<string> { UserId = "ana", RoleId = agentRole.Id },
            new IdentityUserRole<string> { UserId = "bruno", RoleId = agentRole.Id });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private static AppUser Agent(string id, string name) => new()
    {
        Id = id, UserName = $"{id}@talktome.local", NormalizedUserName = $"{id}@talktome.local".ToUpperInvariant(),
        Email = $"{id}@talktome.local", NormalizedEmail = $"{id}@talktome.local".ToUpperInvariant(), DisplayName = name,
        SecurityStamp = Guid.NewGuid().ToString(), CreatedAt = TestData.Now,
    };

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<IDialogReference> Shown)> OpenAsync(string id)
    {
        var row = (await _context.GetService<AgentAdminService>().ListAsync()).Single(a => a.Id == id);
        var provider = _context.Render<MudDialogProvider>();
        var parameters = new DialogParameters<AgentEditDialog> { { d => d.Agent, row } };
        var shown = provider.InvokeAsync(() => _context.GetService<IDialogService>().ShowAsync<AgentEditDialog>("Editar agente", parameters));
        provider.WaitForAssertion(() => Assert.NotNull(provider.Find("[data-testid=edit-agent-form]")));
        return (provider, shown);
    }

    private static AngleSharp.Dom.IElement Switch(IRenderedComponent<MudDialogProvider> provider) =>
        provider.Find("[data-testid=edit-agent-form] input[role=switch]");

    private static void Save(IRenderedComponent<MudDialogProvider> provider) =>
        provider.FindAll("button").Single(b => b.TextContent.Trim() == "Salvar").Click();

    private async Task<bool> RestrictedAsync(string id)
    {
        await using var db = _context.Database.NewContext();
        return (await db.Users.SingleAsync(u => u.Id == id)).RestrictedToGroups;
    }

    [Fact]
    public async Task Dialog_ListsTheAgentsGroups_AndTheSwitchHasAnAccessibleName()
    {
        var (provider, _) = await OpenAsync("ana");

        Assert.Equal(["Pós-venda", "Vendas"], provider.FindAll("[data-testid=agent-group-chip]").Select(c => c.TextContent.Trim()));
        // The switch's label wraps it: its accessible name.
        var label = provider.Find("[data-testid=edit-agent-form] label.mud-switch");
        Assert.Contains("Só os canais dos seus grupos", label.TextContent);
        Assert.NotNull(label.QuerySelector("input[role=switch]"));
        Assert.Equal("agent-restricted-help", Switch(provider).GetAttribute("aria-describedby"));
        Assert.Equal("false", Switch(provider).GetAttribute("aria-checked"));
    }

    [Fact]
    public async Task SwitchOn_AndSalvar_RestrictsTheAgent()
    {
        var (provider, shown) = await OpenAsync("ana");

        Switch(provider).Change(true);
        Save(provider);

        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll("[data-testid=edit-agent-form]")));
        Assert.False((await (await shown).Result)!.Canceled);
        Assert.True(await RestrictedAsync("ana"));
    }

    [Fact]
    public async Task SwitchOn_ForAnAgentInNoGroup_ShowsTheFieldMessage_AndSavesNothing()
    {
        var (provider, _) = await OpenAsync("bruno");
        Assert.Contains("não está em nenhum grupo", provider.Find("[data-testid=agent-groups]").TextContent);

        Switch(provider).Change(true);
        Save(provider);

        provider.WaitForAssertion(() => Assert.Contains("restrito, não veria nenhuma conversa",
            provider.Find("[data-testid=agent-restricted-help]").TextContent));
        Assert.Equal("alert", provider.Find("[data-testid=agent-restricted-help]").GetAttribute("role"));
        Assert.False(await RestrictedAsync("bruno"));
    }

    [Fact]
    public async Task AdminRole_DisablesTheSwitch_AndSaysWhy()
    {
        await using (var db = _context.Database.NewContext())
        {
            var admin = await db.Roles.SingleAsync(r => r.Name == Roles.Admin);
            db.UserRoles.Remove(await db.UserRoles.SingleAsync(r => r.UserId == "ana"));
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = "ana", RoleId = admin.Id });
            await db.SaveChangesAsync();
        }

        var (provider, _) = await OpenAsync("ana");

        Assert.True(Switch(provider).HasAttribute("disabled"));
        Assert.Equal("Administradores veem todos os canais.", provider.Find("[data-testid=agent-restricted-help]").TextContent.Trim());
    }

    [Fact]
    public async Task InEnglish_TheSwitchAndGroupsAreTranslated()
    {
        await using var english = new ComponentTestContext(ComponentTestContext.English);
        var cut = english.Render<AgentEditDialogLabels>();

        Assert.Equal("Only their groups' channels", cut.Instance.Localizer["Agents.RestrictedToGroups"].Value);
        Assert.Equal("Agents", cut.Instance.Localizer["ChannelGroups.Agents"].Value);
        Assert.Equal("Groups", cut.Instance.Localizer["Agents.Groups"].Value);
    }

    /// <summary>Reads the app's texts in the test's culture, as the dialog does.</summary>
    private sealed class AgentEditDialogLabels : Microsoft.AspNetCore.Components.ComponentBase
    {
        [Microsoft.AspNetCore.Components.Inject]
        public Microsoft.Extensions.Localization.IStringLocalizer<TalkToMe.Web.SharedResource> Localizer { get; set; } = default!;
    }
}
