using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Nodes;

/// <summary>A node whose link to Redis drops and comes back tells its open pages to re-read what they show.</summary>
[Collection(NodesCollection.Name)]
public sealed class RedisLinkTests
{
    [Fact]
    public async Task WhenTheNodesRedisConnectionDropsAndReturns_OpenPagesAreToldToResync()
    {
        var name = $"ttm-node-{Guid.NewGuid():N}";
        var redis = TestRedis.NewConnectionString();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = $"{redis},name={name}" });
        var resynced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = app.Services.GetRequiredService<InboxEventHub>().SubscribeResync(() => resynced.TrySetResult());

        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Split(',')[0] + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        // Only this node's relay connection (SignalR's backplane has its own, named "…-hub"): other tests use the same server.
        ClientInfo? link = null;
        for (var i = 0; i < 100 && link is null; i++)
        {
            link = (await server.ClientListAsync()).FirstOrDefault(c => c.Name == name && c.ClientType == ClientType.PubSub);
            if (link is null)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(link);
        Assert.False(resynced.Task.IsCompleted);
        await server.ClientKillAsync(link.Id, clientType: null, endpoint: null, skipMe: true);

        // StackExchange.Redis reconnects by itself, with a back-off that a loaded machine stretches.
        await resynced.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
