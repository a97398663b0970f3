using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Agents;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Nodes;

/// <summary>An agent's availability chosen on one node reaches the other node's pages (Agentes, app bar) and assigner through Redis.</summary>
[Collection(NodesCollection.Name)]
public sealed class CrossNodeAvailabilityTests
{
    [Fact]
    public async Task StatusChosenOnNodeA_IsHeardOnNodeB()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync();
        var redis = TestRedis.NewConnectionString();
        var folders = new List<string>();
        Dictionary<string, string?> Settings()
        {
            folders.Add(Directory.CreateTempSubdirectory("talktome-node-").FullName);
            return new()
            {
                ["TalkToMe:Database:Provider"] = "PostgreSql",
                ["ConnectionStrings:TalkToMe"] = database,
                ["ConnectionStrings:Redis"] = redis,
                ["TalkToMe:DataFolder"] = folders[^1],
            };
        }

        try
        {
            await using var nodeA = await TestApp.StartAsync(Settings(), Path.Combine(Directory.CreateTempSubdirectory("talktome-a-").FullName, "unused.db"));
            await using var nodeB = await TestApp.StartAsync(Settings(), Path.Combine(Directory.CreateTempSubdirectory("talktome-b-").FullName, "unused.db"));
            var agent = await nodeA.CreateUserAsync("status-node@talktome.local", "Agente-123456", Roles.Agent);
            var heard = new TaskCompletionSource<AgentStatusChange>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = nodeB.Services.GetRequiredService<AgentStatusSignal>().Subscribe(change =>
            {
                if (change.UserId == agent.Id)
                {
                    heard.TrySetResult(change);
                }
            });

            await nodeA.Services.GetRequiredService<AgentPresence>().ChooseAsync(agent.Id, AgentStatus.Busy);

            Assert.Equal(new AgentStatusChange(agent.Id, AgentStatus.Busy), await heard.Task.WaitAsync(TimeSpan.FromSeconds(15)));
            Assert.Equal(AgentStatus.Busy, await nodeB.Services.GetRequiredService<AgentPresence>().StatusAsync(agent.Id));
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await TestPostgres.DropDatabaseAsync(database);
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
