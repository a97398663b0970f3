using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Agents;
using TalkToMe.Core.KeepAlive;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Core.KeepAlive;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Nodes;

/// <summary>
/// Keep Alive with two app processes sweeping one PostgreSQL database: 1,000 inactivity deadlines due together, then the
/// same 1,000 finalization deadlines due together, each message sent once.
/// </summary>
[Collection(NodesCollection.Name)]
public sealed class TwoNodesKeepAliveTests
{
    [Fact]
    public async Task ThousandDeadlinesDueTogether_WithTwoNodesRunning_EachInactivityAndFinalizationMessageIsSentExactlyOnce()
    {
        const int conversations = 1000;
        await using var h = await KeepAliveHarness.CreateOnPostgreSqlAsync();
        var channel = await h.AddChannelAsync(KeepAliveHarness.Settings(inactivityMinutes: 10, finalizationMinutes: 60));
        await using (var db = h.Database.NewContext())
        {
            var entity = await db.Channels.SingleAsync(c => c.Id == channel);
            // The harness's clock is a month behind the nodes' real one: every deadline is long due when they start.
            for (var i = 0; i < conversations; i++)
            {
                var conversation = await db.AddConversationAsync(entity, $"C{i}", h.Now.AddSeconds(i % 7));
                KeepAliveSchedule.OnCustomerMessage(conversation, entity, conversation.LastCustomerMessageAt!.Value);
            }

            // A user exists, so neither node creates the first admin: both start at once, as after a deploy.
            var admin = new AppUser { UserName = TestApp.AdminEmail, Email = TestApp.AdminEmail, DisplayName = "Admin", CreatedAt = h.Now };
            admin.NormalizedEmail = admin.NormalizedUserName = TestApp.AdminEmail.ToUpperInvariant();
            admin.SecurityStamp = Guid.NewGuid().ToString("N");
            admin.PasswordHash = new PasswordHasher<AppUser>().HashPassword(admin, TestApp.AdminPassword);
            db.Users.Add(admin);
            await db.SaveChangesAsync();
        }

        var folders = new[] { Directory.CreateTempSubdirectory("talktome-node-").FullName, Directory.CreateTempSubdirectory("talktome-node-").FullName };
        var settings = (string folder) => new Dictionary<string, string?>
        {
            ["TalkToMe:Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:TalkToMe"] = h.Database.ConnectionString,
            ["TalkToMe:DataFolder"] = folder,
            ["TalkToMe:SeedDemoData"] = "false",
        };
        var starts = folders.Select(f => AppProcess.StartAsync(Path.Combine(f, "unused.db"), settings(f))).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            // The node that did start must not outlive the test.
            foreach (var started in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await (await started).DisposeAsync();
            }

            throw;
        }

        var nodes = await Task.WhenAll(starts);
        try
        {
            var sent = 0;
            for (var i = 0; i < 240 && sent < conversations; i++)
            {
                await Task.Delay(250);
                await using var db = h.Database.NewContext();
                sent = await db.Messages.CountAsync(m => m.Content == KeepAliveEngine.InactivitySentActivity);
            }

            Assert.Equal(conversations, sent);
            // A late second send would show up now.
            await Task.Delay(TimeSpan.FromSeconds(2));
            await using var check = h.Database.NewContext();
            var perConversation = await check.Messages.Where(m => m.Kind == MessageKind.Text && m.Direction == MessageDirection.Outgoing)
                .GroupBy(m => m.ConversationId).Select(g => g.Count()).ToListAsync();
            Assert.Equal(conversations, perConversation.Count);
            Assert.All(perConversation, count => Assert.Equal(1, count));
            Assert.Equal(conversations, await check.Messages.CountAsync(m => m.Content == KeepAliveEngine.InactivitySentActivity));

            // The finalization deadlines are an hour after each inactivity message on the nodes' clock: move them all an
            // hour and a minute back, so they fall due together while both nodes sweep (each looks at least every 30 s).
            var hourAndAMinute = TimeSpan.FromMinutes(61).Ticks;
            var awaiting = (int)KeepAliveStage.AwaitingFinalization;
            Assert.Equal(conversations, await check.Database.ExecuteSqlAsync(
                $"""UPDATE "Conversations" SET "KeepAliveDueAt" = "KeepAliveDueAt" - {hourAndAMinute} WHERE "KeepAliveStage" = {awaiting} AND "KeepAliveDueAt" IS NOT NULL"""));
            const string finalization = "Vamos encerrar o atendimento. Até logo!";
            var closed = 0;
            for (var i = 0; i < 360 && closed < conversations; i++)
            {
                await Task.Delay(250);
                await using var db = h.Database.NewContext();
                closed = await db.Messages.CountAsync(m => m.Content == finalization);
            }

            Assert.Equal(conversations, closed);
            await Task.Delay(TimeSpan.FromSeconds(2));
            await using var final = h.Database.NewContext();
            var texts = await final.Messages.Where(m => m.Kind == MessageKind.Text && m.Direction == MessageDirection.Outgoing)
                .GroupBy(m => m.ConversationId)
                .Select(g => new { Inactivity = g.Count(m => m.Content == "Ainda está por aí?"), Finalization = g.Count(m => m.Content == finalization) })
                .ToListAsync();
            Assert.Equal(conversations, texts.Count);
            Assert.All(texts, t => Assert.Equal((1, 1), (t.Inactivity, t.Finalization)));
            Assert.Equal(0, await final.Conversations.CountAsync(c => c.KeepAliveDueAt != null));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            Npgsql.NpgsqlConnection.ClearAllPools();
            foreach (var folder in folders)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
