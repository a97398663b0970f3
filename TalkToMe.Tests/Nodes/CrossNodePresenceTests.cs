using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Nodes;

/// <summary>"Who is here" across nodes: an agent viewing and typing on node A shows on node B's pages through Redis, and goes from them when they leave.</summary>
[Collection(NodesCollection.Name)]
public sealed class CrossNodePresenceTests
{
    [Fact]
    public async Task ViewingAndTypingOnNodeA_ShowOnNodeB_AndLeavingOnNodeA_ClearsNodeB()
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
            var onA = nodeA.Services.GetRequiredService<ConversationPresence>();
            var onB = nodeB.Services.GetRequiredService<ConversationPresence>();
            const int conversationId = 4242;

            async Task OnB(Func<PresenceSnapshot, bool> condition)
            {
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var watch = onB.Watch(conversationId, () =>
                {
                    if (condition(onB.Snapshot(conversationId)))
                    {
                        reached.TrySetResult();
                    }
                });
                if (!condition(onB.Snapshot(conversationId)))
                {
                    await reached.Task.WaitAsync(TimeSpan.FromSeconds(15));
                }
            }

            var view = onA.View(conversationId, "agent-ana", "Ana Souza");
            await OnB(s => s.Viewers.Any(v => v.Name == "Ana Souza"));

            onA.Typing(conversationId, "agent-ana", "Ana Souza", isNote: true);
            await OnB(s => s.Typists.Any(t => t.Name == "Ana Souza" && t.IsNote));

            onA.StoppedTyping(conversationId, "agent-ana", "Ana Souza");
            view.Dispose();
            await OnB(s => s.Viewers.Count == 0 && s.Typists.Count == 0);
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
