using System.Security.Claims;
using Bunit;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Components.Pages.Channels;

namespace TalkToMe.Tests.Web.Components;

/// <summary>The channel page's "Atribuição automática": the mode, and the queue ("Fila") oldest first, kept live.</summary>
public sealed class AssignmentSectionTests
{
    [Fact]
    public async Task Queue_ListsWaitingConversationsOldestFirst_AndDrainsLiveWhenAnAgentTakesOne()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        var database = await context.AddCoreAsync();
        var auth = context.AddAuthorization();
        auth.SetAuthorized("Admin");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "admin"));
        auth.SetRoles(Roles.Admin);
        int channelId;
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync("Loja");
            channelId = channel.Id;
            await db.AddConversationAsync(channel, "Segunda", TestData.Now.AddMinutes(-5));
            await db.AddConversationAsync(channel, "Primeira", TestData.Now.AddMinutes(-10));
            await db.AddConversationAsync(channel, "Terceira", TestData.Now.AddMinutes(-1));
        }

        var assigner = context.GetService<AutoAssigner>();
        await assigner.SetModeAsync(new Actor("admin", "Admin", IsAdmin: true), channelId, AutoAssignMode.RoundRobin);

        var section = context.Render<AssignmentSection>(p => p.Add(c => c.ChannelId, channelId));

        section.WaitForAssertion(() => Assert.Equal("3", section.Find("[data-testid=queue-count]").TextContent));
        Assert.Equal(["Primeira", "Segunda", "Terceira"], section.FindAll("[data-testid=queue-row] a").Select(a => a.TextContent));
        Assert.Contains("Atribuição automática", section.Find("h2").TextContent);

        await using (var db = database.NewContext())
        {
            db.Users.Add(new AppUser
            {
                Id = "agent-a", UserName = "ana@example.com", Email = "ana@example.com", DisplayName = "Ana",
                Status = AgentStatus.Available, StatusChosen = true, MaxOpenConversations = 1,
            });
            await db.SaveChangesAsync();
        }

        Assert.Equal(1, await assigner.AssignQueuedAsync());

        section.WaitForAssertion(() => Assert.Equal("2", section.Find("[data-testid=queue-count]").TextContent));
        Assert.Equal(["Segunda", "Terceira"], section.FindAll("[data-testid=queue-row] a").Select(a => a.TextContent));
    }

    [Fact]
    public async Task InboxQueueBadge_ShowsHowManyWait_AndFollowsTheQueueLive()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        var database = await context.AddCoreAsync();
        int channelId;
        await using (var db = database.NewContext())
        {
            var channel = await db.AddChannelAsync("Loja");
            channelId = channel.Id;
            await db.AddConversationAsync(channel, "Primeira", TestData.Now.AddMinutes(-10));
            await db.AddConversationAsync(channel, "Segunda", TestData.Now.AddMinutes(-5));
        }

        var badge = context.Render<TalkToMe.Web.Components.Pages.Inbox.QueueBadge>();
        // Automatic assignment off: unassigned conversations are not a queue, and nothing shows.
        Assert.Empty(badge.FindAll("[data-testid=queue-badge]"));

        var assigner = context.GetService<AutoAssigner>();
        await assigner.SetModeAsync(new Actor("admin", "Admin", IsAdmin: true), channelId, AutoAssignMode.LeastBusy);
        // The open badge follows the mode change (no conversation changed), once the throttle has passed.
        await PassThrottleUntilAsync(context, () => badge.FindAll("[data-testid=queue-badge]").Count > 0);
        Assert.Equal("Fila: 2", badge.Find("[data-testid=queue-badge]").TextContent.Trim());

        await using (var db = database.NewContext())
        {
            db.Users.Add(new AppUser
            {
                Id = "agent-a", UserName = "ana@example.com", Email = "ana@example.com", DisplayName = "Ana",
                Status = AgentStatus.Available, StatusChosen = true, MaxOpenConversations = 1,
            });
            await db.SaveChangesAsync();
        }

        await assigner.AssignQueuedAsync();
        // The count is refreshed on the clock after the change (throttled): let the fake clock pass it.
        await PassThrottleUntilAsync(context, () => badge.Find("[data-testid=queue-badge-count]").TextContent == "1");
        Assert.Equal("1", badge.Find("[data-testid=queue-badge-count]").TextContent);
    }

    /// <summary>The recount waits on the fake clock, started on another thread: move the clock on until the badge shows it.</summary>
    private static async Task PassThrottleUntilAsync(ComponentTestContext context, Func<bool> shown)
    {
        for (var i = 0; i < 200 && !shown(); i++)
        {
            context.Clock.Advance(TalkToMe.Web.Components.Pages.Inbox.QueueWatch.Throttle);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task ChannelInAGroupThatDecides_ShowsTheGroupsMode_WithALinkToIt_AndCannotChooseItsOwn()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        var database = await context.AddCoreAsync();
        context.SignIn("admin", "Admin", Roles.Admin);
        int channelId;
        await using (var db = database.NewContext())
        {
            channelId = (await db.AddChannelAsync("Loja")).Id;
        }

        var groups = context.GetService<TalkToMe.Core.Channels.ChannelGroupService>();
        var group = await groups.CreateAsync(TalkToMe.Tests.Core.Channels.ChannelGroupServiceTests.Admin,
            new TalkToMe.Core.Channels.ChannelGroupInput("Vendas", null, [channelId], AssignMode: GroupAssignMode.LeastBusy));

        var section = context.Render<AssignmentSection>(p => p.Add(c => c.ChannelId, channelId));

        section.WaitForAssertion(() => Assert.Contains("Definida pelo grupo", section.Find("[data-testid=assignment-by-group]").TextContent));
        var alert = section.Find("[data-testid=assignment-by-group]");
        Assert.Equal($"/channel-groups/{group.Value!.Id}", alert.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("Menos ocupado", alert.TextContent);
        Assert.Contains(section.FindAll("[data-testid=assignment-form] input"), i => i.HasAttribute("disabled"));
        // In force: the queue of a mode that assigns is shown.
        Assert.Equal("0", section.Find("[data-testid=queue-count]").TextContent);
    }

    [Fact]
    public async Task InboxQueueBadge_OfAnAgentRestrictedToTheirGroups_CountsOnlyTheirChannelsQueues()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.PortugueseBrazil);
        var database = await context.AddCoreAsync();
        int loja, suporte;
        await using (var db = database.NewContext())
        {
            var lojaChannel = await db.AddChannelAsync("Loja");
            var suporteChannel = await db.AddChannelAsync("Suporte");
            (loja, suporte) = (lojaChannel.Id, suporteChannel.Id);
            for (var i = 0; i < 2; i++)
            {
                await db.AddConversationAsync(lojaChannel, $"Loja {i}", TestData.Now.AddMinutes(-10 + i));
            }

            for (var i = 0; i < 3; i++)
            {
                await db.AddConversationAsync(suporteChannel, $"Suporte {i}", TestData.Now.AddMinutes(-5 + i));
            }
        }

        var assigner = context.GetService<AutoAssigner>();
        var admin = new Actor("admin", "Admin", IsAdmin: true);
        await assigner.SetModeAsync(admin, loja, AutoAssignMode.RoundRobin);
        await assigner.SetModeAsync(admin, suporte, AutoAssignMode.RoundRobin);

        var everyone = context.Render<TalkToMe.Web.Components.Pages.Inbox.QueueBadge>();
        var restricted = context.Render<TalkToMe.Web.Components.Pages.Inbox.QueueBadge>(p => p.Add(b => b.Scope, ChannelScope.Only([loja])));
        await PassThrottleUntilAsync(context, () => everyone.FindAll("[data-testid=queue-badge-count]").Count > 0
            && everyone.Find("[data-testid=queue-badge-count]").TextContent == "5");

        Assert.Equal("5", everyone.Find("[data-testid=queue-badge-count]").TextContent);
        restricted.WaitForAssertion(() => Assert.Equal("2", restricted.Find("[data-testid=queue-badge-count]").TextContent));
    }
}
