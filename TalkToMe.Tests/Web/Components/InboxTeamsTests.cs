using Bunit;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Agents;
using InboxPage = TalkToMe.Web.Components.Pages.Inbox.Inbox;

namespace TalkToMe.Tests.Web.Components;

/// <summary>
/// Issue 15 item 2, "Teams", on the inbox page: Ana, restricted to her groups' channels and in the group Vendas (channel
/// Loja), sees only Loja's conversations in the list and the tab counts, gets "not found" for a Suporte conversation opened
/// by its URL, never gets Suporte's live rows, and sees Suporte at once when an admin adds it to her group.
/// </summary>
public sealed class InboxTeamsTests : IAsyncLifetime
{
    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(10);
    private readonly ComponentTestContext _context = new();
    private int _loja, _suporte, _group;
    private readonly Dictionary<string, int> _ids = [];

    public async Task InitializeAsync()
    {
        var database = await _context.AddCoreAsync();
        _context.SignIn("ana", "Ana");
        await using var db = database.NewContext();
        var loja = await db.AddChannelAsync("Loja");
        var suporte = await db.AddChannelAsync("Suporte");
        (_loja, _suporte) = (loja.Id, suporte.Id);
        var ana = await db.Users.SingleAsync(u => u.Id == "ana");
        ana.RestrictedToGroups = true;
        var vendas = new ChannelGroup("Vendas", null);
        vendas.SetChannels([loja]);
        vendas.SetAgents([ana]);
        db.ChannelGroups.Add(vendas);
        await db.SaveChangesAsync();
        _group = vendas.Id;
        _ids["Maria"] = (await db.AddConversationAsync(loja, "Maria", TestData.Now.AddMinutes(-3))).Id;
        _ids["Pedro"] = (await db.AddConversationAsync(suporte, "Pedro", TestData.Now.AddMinutes(-2))).Id;
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private static IReadOnlyList<string> Rows(IRenderedComponent<InboxPage> cut) =>
        cut.FindAll("[data-testid=contact-name]").Select(e => e.TextContent).ToList();

    private static string OpenTabCount(IRenderedComponent<InboxPage> cut) =>
        cut.Find("[data-testid=tab-Open] [data-testid=tab-count]").TextContent.Trim();

    [Fact]
    public void List_RestrictedAgent_ShowsOnlyTheirGroupsChannels_AndCountsOnlyThose()
    {
        var cut = _context.Render<InboxPage>();

        cut.WaitForAssertion(() =>
        {
            Assert.Equal(["Maria"], Rows(cut));
            Assert.Equal("1", OpenTabCount(cut));
        });
    }

    [Fact]
    public void ThreadUrl_OfAnotherChannelsConversation_ShowsNotFound_NotTheThread()
    {
        var cut = _context.Render<InboxPage>(p => p.Add(c => c.ConversationId, _ids["Pedro"]));

        cut.WaitForAssertion(() => Assert.Contains("Conversa não encontrada.", cut.Find(".ttm-inbox-thread").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=thread-contact]"));
        Assert.DoesNotContain("Pedro", cut.Find(".ttm-inbox-thread").TextContent);
    }

    [Fact]
    public void ThreadUrl_OfTheirOwnChannel_ShowsTheThread()
    {
        var cut = _context.Render<InboxPage>(p => p.Add(c => c.ConversationId, _ids["Maria"]));

        cut.WaitForAssertion(() => Assert.Equal("Maria", cut.Find("[data-testid=thread-contact]").TextContent));
    }

    [Fact]
    public async Task LiveRows_OfAnotherChannel_NeverReachTheList_ButTheirOwnDo()
    {
        var cut = _context.Render<InboxPage>();
        cut.WaitForAssertion(() => Assert.Equal(["Maria"], Rows(cut)));
        var inbound = _context.GetService<InboundWriter>();

        await inbound.ReceiveAsync(new InboundMessage(_suporte, "cliente-bia", "Bia", Guid.NewGuid().ToString("N"), "Oi do suporte"));
        await inbound.ReceiveAsync(new InboundMessage(_loja, "cliente-caio", "Caio", Guid.NewGuid().ToString("N"), "Oi da loja"));

        cut.WaitForAssertion(() => Assert.Equal(["Caio", "Maria"], Rows(cut)), PushTimeout);
        Assert.DoesNotContain("Bia", Rows(cut));
    }

    [Fact]
    public async Task AdminAddsAChannelToTheGroup_TheOpenListShowsItAtOnce()
    {
        var cut = _context.Render<InboxPage>();
        cut.WaitForAssertion(() => Assert.Equal(["Maria"], Rows(cut)));
        var admin = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, Roles.Admin)], "test"));

        // The group service signals the affected agents; the web layer's relay turns that into the signal open pages follow.
        var signal = _context.GetService<UserAccessSignal>();
        using var relay = _context.GetService<ChannelAccessSignal>().Subscribe(ids =>
        {
            foreach (var id in ids)
            {
                signal.Changed(id);
            }
        });
        var saved = await _context.GetService<ChannelGroupService>()
            .UpdateAsync(admin, _group, new ChannelGroupInput("Vendas", null, [_loja, _suporte], ["ana"]));
        Assert.True(saved.Succeeded);

        cut.WaitForAssertion(() =>
        {
            Assert.Equal(["Pedro", "Maria"], Rows(cut));
            Assert.Equal("2", OpenTabCount(cut));
        }, PushTimeout);
    }
}
