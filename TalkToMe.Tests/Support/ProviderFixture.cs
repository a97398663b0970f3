using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Tests.Support;

/// <summary>
/// The real app on loopback plus a fake provider API, shared by one provider's webhook tests. The dispatcher's back-off is
/// short so "retried then delivered" takes milliseconds; each test configures its own channel pointing at the fake.
/// </summary>
public sealed class ProviderFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;
    public FakeProvider Provider { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await FakeProvider.StartAsync();
        // Profile lookups (GET: Messenger/Instagram Graph, LINE profile) never take a reply queued for a send; unless a test
        // routes a profile, the provider does not know the user. WhatsApp's template list (also a GET) takes queued replies.
        Provider.Route(r => r.Method == "GET" && !r.PathAndQuery.Contains("/message_templates", StringComparison.Ordinal), _ => new FakeReply(404, """{"error":{"message":"Unknown user","code":100},"message":"Not found"}"""));
        App = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["TalkToMe:Outbound:RetryBaseDelay"] = "00:00:00.100",
            ["TalkToMe:Outbound:MaxRetryDelay"] = "00:00:00.500",
            ["TalkToMe:Outbound:MaxProbeDelay"] = "00:00:00.500",
        });
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }

    public HttpClient Client() => App.CreateClient();

    public IDbContextFactory<TalkToMeDbContext> Db => App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    public InboundWriter Inbound => App.Services.GetRequiredService<InboundWriter>();

    public ConversationCommands Commands => App.Services.GetRequiredService<ConversationCommands>();

    public ConversationStarter Starter => App.Services.GetRequiredService<ConversationStarter>();

    public async Task<Channel> AddChannelAsync(ChannelType type, ChannelSettings settings, bool active = true, string? name = null)
    {
        await using var db = await Db.CreateDbContextAsync();
        var channel = new Channel(name ?? $"{type} {Guid.NewGuid():N}"[..20], type, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(settings);
        channel.SetSwitches(active, allowsActiveContact: false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    /// <summary>A provider's POST to one of our webhooks, with its signature (or secret) header when given.</summary>
    public async Task<HttpResponseMessage> PostWebhookAsync(string path, HttpContent content, string? header = null, string? value = null)
    {
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (header is not null && value is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        return await client.SendAsync(request);
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The reply an agent ("Ana") writes: stored as pending for the dispatcher.</summary>
    public Task<Message> ReplyAsync(int conversationId, string text) =>
        Commands.ReplyAsync(conversationId, new Actor(null, "Ana"), text);

    /// <summary>An agent's reply, returned once the dispatcher is done with it (sent or failed), or once <paramref name="until"/> holds.</summary>
    public async Task<Message> ReplyAndWaitAsync(int conversationId, string text, Func<Message, bool>? until = null)
    {
        var reply = await ReplyAsync(conversationId, text);
        return await WaitForMessageAsync(reply.Id, until ?? (m => m.DeliveryStatus != DeliveryStatus.Pending));
    }

    /// <summary>Soft-deletes the channel, as an admin would.</summary>
    public async Task DeleteChannelAsync(int channelId)
    {
        await using var db = await Db.CreateDbContextAsync();
        var stored = await db.Channels.FindAsync(channelId);
        stored!.Delete(DateTime.UtcNow);
        await db.SaveChangesAsync();
    }

    public async Task<List<Message>> MessagesAsync(int channelId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Messages.AsNoTracking().Where(m => m.ChannelId == channelId).OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>What the channel page lists under "Entregas não processadas", newest first.</summary>
    public Task<List<UnprocessedDelivery>> UnprocessedAsync(int channelId) =>
        App.Services.GetRequiredService<UnprocessedDeliveryService>().ListAsync(channelId);

    public async Task<List<Conversation>> ConversationsAsync(int channelId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Conversations.AsNoTracking().Include(c => c.Contact).Where(c => c.ChannelId == channelId).ToListAsync();
    }

    /// <summary>Waits (on the inbox's own events, no polling loop) until the inbox shows the conversation's contact with that name.</summary>
    public async Task<string> WaitForContactNameAsync(int channelId, string name, TimeSpan? timeout = null)
    {
        var changed = new SemaphoreSlim(0);
        using var subscription = App.Services.GetRequiredService<InboxEventHub>().Subscribe(e =>
        {
            if (e.ChannelId == channelId)
            {
                changed.Release();
            }
        });
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var query = App.Services.GetRequiredService<InboxQuery>();
        while (true)
        {
            var names = (await query.ListAsync(new InboxFilter { ChannelId = channelId })).Items.Select(i => i.ContactName).ToList();
            if (names.Contains(name))
            {
                return name;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await changed.WaitAsync(left))
            {
                Assert.Fail($"The inbox never showed \"{name}\"; it shows: {string.Join(", ", names)}.");
            }
        }
    }

    /// <summary>Waits (on the inbox's own events, no polling loop) until the message satisfies the condition.</summary>
    public async Task<Message> WaitForMessageAsync(long messageId, Func<Message, bool> condition, TimeSpan? timeout = null)
    {
        var changed = new SemaphoreSlim(0);
        using var subscription = App.Services.GetRequiredService<InboxEventHub>().Subscribe(e =>
        {
            if (e is MessageUpdated updated && updated.MessageId == messageId)
            {
                changed.Release();
            }
        });
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            await using (var db = await Db.CreateDbContextAsync())
            {
                var message = await db.Messages.AsNoTracking().FirstAsync(m => m.Id == messageId);
                if (condition(message))
                {
                    return message;
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !await changed.WaitAsync(left))
                {
                    Assert.Fail($"Message {messageId} did not reach the expected state: {message.DeliveryStatus} ({message.FailureReason}).");
                }
            }
        }
    }
}
