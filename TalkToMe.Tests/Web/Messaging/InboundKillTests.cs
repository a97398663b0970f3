using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;
using Xunit.Abstractions;

namespace TalkToMe.Tests.Web.Messaging;

/// <summary>
/// Issue 18's durability probe as a test: the app process is killed with SIGKILL in the middle of an inbound burst to an
/// API channel. After a restart every message the app acknowledged (2xx) is stored, none is stored twice, and when the
/// senders retry every id (as a provider does after errors) still nothing is stored twice.
/// </summary>
public sealed class InboundKillTests(ITestOutputHelper output)
{
    [Fact]
    public Task KilledDuringAnInboundBurst_LosesNoAcknowledgedMessage_AndStoresNoneTwice() =>
        BurstKillRestartAsync(ids: 300, senders: 8, killAfterAcknowledged: 80);

    /// <summary>The probe's own size: 3,000 ids from 32 senders, twice.</summary>
    [LongFact]
    [Trait("Category", "Long")]
    public async Task Long_KilledDuringALargeInboundBurst_TwoRuns_LoseNothingAndStoreNothingTwice()
    {
        await BurstKillRestartAsync(ids: 3000, senders: 32, killAfterAcknowledged: 1000);
        await BurstKillRestartAsync(ids: 3000, senders: 32, killAfterAcknowledged: 1500);
    }

    private async Task BurstKillRestartAsync(int ids, int senders, int killAfterAcknowledged)
    {
        var folder = Directory.CreateTempSubdirectory("talktome-kill-").FullName;
        var databasePath = Path.Combine(folder, "talktome.db");
        var all = Enumerable.Range(0, ids).Select(i => $"kill-{i:00000}").ToList();
        try
        {
            int channelId;
            string token;
            var acknowledged = new ConcurrentBag<string>();
            await using (var first = await AppProcess.StartAsync(databasePath))
            {
                (channelId, token) = await CreateApiChannelAsync(databasePath);
                var next = -1;
                var killed = 0;
                using var client = NewClient(first.BaseUrl, token);

                async Task SendAsync()
                {
                    int i;
                    while (Volatile.Read(ref killed) == 0 && (i = Interlocked.Increment(ref next)) < ids)
                    {
                        try
                        {
                            using var response = await client.PostAsync($"/api/v1/channels/{channelId}/messages", Body(all[i]));
                            if (response.IsSuccessStatusCode)
                            {
                                acknowledged.Add(all[i]);
                            }
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                        {
                            // The app is gone: this one was never acknowledged.
                        }

                        if (acknowledged.Count >= killAfterAcknowledged && Interlocked.Exchange(ref killed, 1) == 0)
                        {
                            // Mid-burst: the other senders still have requests in flight.
                            await first.KillAsync();
                        }
                    }
                }

                await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(SendAsync)));
                Assert.True(killed == 1, $"The burst ended before the kill: {acknowledged.Count} acknowledged.\n{first.Output}");
            }

            var acked = acknowledged.ToHashSet();
            await using var second = await AppProcess.StartAsync(databasePath);
            var stored = await StoredIdsAsync(databasePath, channelId);
            var lost = acked.Count(id => !stored.ContainsKey(id));
            var twice = stored.Count(s => s.Value > 1);
            output.WriteLine($"{ids} ids, {senders} senders: {acked.Count} acknowledged before the kill, {stored.Count} stored after the " +
                $"restart, {lost} acknowledged lost, {twice} stored twice");
            Assert.Equal(0, lost);
            Assert.Equal(0, twice);
            Assert.True(stored.Keys.All(all.Contains));

            // Every sender retries every id, acknowledged or not: each is stored once, whatever happened before.
            using (var client = NewClient(second.BaseUrl, token))
            {
                var retried = 0;
                await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
                {
                    for (var i = s; i < ids; i += senders)
                    {
                        await PostUntilAcknowledgedAsync(client, channelId, all[i]);
                        Interlocked.Increment(ref retried);
                    }
                })));
                Assert.Equal(ids, retried);
            }

            var afterRetries = await StoredIdsAsync(databasePath, channelId);
            output.WriteLine($"after retrying all {ids} ids: {afterRetries.Count} stored, {afterRetries.Count(s => s.Value > 1)} stored twice");
            Assert.Equal(ids, afterRetries.Count);
            Assert.All(afterRetries, s => Assert.Equal(1, s.Value));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static HttpClient NewClient(string baseUrl, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Body(string id) =>
        new(JsonSerializer.Serialize(new { id, contact = new { id = "c-" + id[^2..], name = "Cliente" }, text = "Mensagem " + id }),
            Encoding.UTF8, "application/json");

    private static async Task PostUntilAcknowledgedAsync(HttpClient client, int channelId, string id)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.PostAsync($"/api/v1/channels/{channelId}/messages", Body(id));
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            // A rate limit or a busy moment is answered like a provider would: wait, then the same id again.
            Assert.True(attempt < 20 && response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable,
                $"{id}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
        }
    }

    private static TalkToMeDbContext NewContext(string path) =>
        new(new DbContextOptionsBuilder<TalkToMeDbContext>().UseSqlite(DependencyInjection.NormalizeConnectionString($"Data Source={path}"))
            .Options);

    private static async Task<(int ChannelId, string Token)> CreateApiChannelAsync(string databasePath)
    {
        await using var db = NewContext(databasePath);
        var token = Secrets.NewToken("ttmch");
        var channel = new Channel("API Rajada", ChannelType.Api, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetApiTokenHash(Secrets.Hash(token));
        channel.SetSettings(new ApiChannelSettings());
        channel.SetSwitches(true, allowsActiveContact: false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return (channel.Id, token);
    }

    /// <summary>How many times each external id is stored as an incoming message of the channel.</summary>
    private static async Task<Dictionary<string, int>> StoredIdsAsync(string databasePath, int channelId)
    {
        await using var db = NewContext(databasePath);
        return await db.Messages.AsNoTracking()
            .Where(m => m.ChannelId == channelId && m.Direction == MessageDirection.Incoming && m.ExternalId != null)
            .GroupBy(m => m.ExternalId!)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count);
    }
}
