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
}
