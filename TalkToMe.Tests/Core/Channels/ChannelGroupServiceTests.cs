using System.Security.Claims;
using Microsoft.Extensions.Logging.Abstractions;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Channels;

public class ChannelGroupServiceTests
{
    public static readonly ClaimsPrincipal Admin = Principal(Roles.Admin);
    public static readonly ClaimsPrincipal Agent = Principal(Roles.Agent);

    public static ClaimsPrincipal Principal(string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "u-" + role), new Claim(ClaimTypes.Role, role)], "test"));

    [Fact]
    public async Task Create_ChannelAlreadyInAGroup_StaysInBothGroups()
    {
        await using var database = await TestDatabase.CreateAsync();
        int a, b;
        await using (var db = database.NewContext())
        {
            a = (await db.AddChannelAsync("A")).Id;
            b = (await db.AddChannelAsync("B")).Id;
        }

        var groups = new ChannelGroupService(database.Factory, database.Units());
        var first = await groups.CreateAsync(Admin, new ChannelGroupInput("Primeiro", null, [a, b]));
        var second = await groups.CreateAsync(Admin, new ChannelGroupInput("Segundo", "Desc", [a]));

        Assert.True(first.Succeeded);
        Assert.True(second.Succeeded);
        var channels = new ChannelAdminService(database.Factory, database.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance)), TimeProvider.System);
        var channel = await channels.GetAsync(a);
        Assert.Equal(["Primeiro", "Segundo"], channel!.Groups.Select(g => g.Name));
        // Every member of a group shows it, not only the first one loaded.
        var list = await channels.ListAsync();
        Assert.Equal(["Primeiro"], list.Single(c => c.Name == "B").Groups.Select(g => g.Name));
        Assert.Equal(["A", "B"], (await groups.GetAsync(first.Value!.Id))!.Channels.Select(c => c.Name));
    }

    [Fact]
    public async Task Create_WithoutNameOrWithUnknownChannel_ReturnsFieldErrorsAndStoresNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var groups = new ChannelGroupService(database.Factory, database.Units());

        var result = await groups.CreateAsync(Admin, new ChannelGroupInput(" ", new string('x', 501), [999]));

        Assert.False(result.Succeeded);
        Assert.Equal(["ChannelIds", "Description", "Name"], result.Errors.Keys.Order());
        Assert.Empty(await groups.ListAsync());
    }

    [Fact]
    public async Task Changes_ByAnAgent_AreRefusedAndChangeNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var groups = new ChannelGroupService(database.Factory, database.Units());
        var created = await groups.CreateAsync(Admin, new ChannelGroupInput("Grupo", null, []));
        var id = created.Value!.Id;

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => groups.CreateAsync(Agent, new ChannelGroupInput("Outro", null, [])));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => groups.UpdateAsync(Agent, id, new ChannelGroupInput("Mudou", null, [])));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => groups.DeleteAsync(Agent, id));

        Assert.Equal(["Grupo"], (await groups.ListAsync()).Select(g => g.Name));
    }

    [Fact]
    public async Task Delete_RemovesTheGroupButNotItsChannels()
    {
        await using var database = await TestDatabase.CreateAsync();
        int a;
        await using (var db = database.NewContext())
        {
            a = (await db.AddChannelAsync("A")).Id;
        }

        var groups = new ChannelGroupService(database.Factory, database.Units());
        var created = await groups.CreateAsync(Admin, new ChannelGroupInput("Grupo", null, [a]));

        Assert.True(await groups.DeleteAsync(Admin, created.Value!.Id));
        Assert.False(await groups.DeleteAsync(Admin, created.Value!.Id));

        Assert.Empty(await groups.ListAsync());
        var channels = new ChannelAdminService(database.Factory, database.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance)), TimeProvider.System);
        Assert.NotNull(await channels.GetAsync(a));
    }
}
