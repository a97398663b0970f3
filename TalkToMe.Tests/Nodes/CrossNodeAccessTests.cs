using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Data;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Agents;

namespace TalkToMe.Tests.Nodes;

/// <summary>An agent deactivated by an admin on one node loses their open connections on every node at once.</summary>
[Collection(NodesCollection.Name)]
public sealed class CrossNodeAccessTests
{
    [Fact]
    public async Task DeactivatedOnNodeA_TheAgentsHubConnectionOnNodeB_ClosesAtOnce()
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
                // Far longer than the test: only the change relayed through Redis can close the connection in time.
                ["TalkToMe:Auth:RevalidationInterval"] = "00:10:00",
            };
        }

        try
        {
            await using var nodeA = await TestApp.StartAsync(Settings(), Path.Combine(Directory.CreateTempSubdirectory("talktome-a-").FullName, "unused.db"));
            await using var nodeB = await TestApp.StartAsync(Settings(), Path.Combine(Directory.CreateTempSubdirectory("talktome-b-").FullName, "unused.db"));
            var agent = await nodeA.CreateUserAsync("cross-node@talktome.local", "Agente-123456", Roles.Agent);
            var token = Secrets.NewToken("ttm");
            await using (var db = await nodeA.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>().CreateDbContextAsync())
            {
                db.ApiTokens.Add(new ApiToken(agent.Id, "integração", Secrets.Hash(token), token[..8], DateTime.UtcNow));
                await db.SaveChangesAsync();
            }

            await using var connection = new HubConnectionBuilder()
                .WithUrl(nodeB.BaseUrl + "/hubs/inbox", o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Closed += _ =>
            {
                closed.TrySetResult();
                return Task.CompletedTask;
            };
            await connection.StartAsync();
            Assert.Equal(HubConnectionState.Connected, connection.State);

            await using (var scope = nodeA.Services.CreateAsyncScope())
            {
                var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
                var principals = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>();
                var admin = await principals.CreateAsync((await users.FindByEmailAsync(TestApp.AdminEmail))!);
                await scope.ServiceProvider.GetRequiredService<AgentAdminService>().SetDeactivatedAsync(admin, agent.Id, true);
            }

            await closed.Task.WaitAsync(TimeSpan.FromSeconds(15));
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
