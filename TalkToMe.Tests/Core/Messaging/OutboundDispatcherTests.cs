using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Messaging;

public sealed class OutboundDispatcherTests : IAsyncLifetime
{
    private const string Secret = "segredo-do-webhook";
    private readonly Actor _ana = new(null, "Ana");
    private readonly SemaphoreSlim _updated = new(0);
    private TestDatabase _database = null!;
    private WebhookReceiver _receiver = null!;
    private ServiceProvider _http = null!;
    private InboxEventHub _hub = null!;
    private OutboxSignal _outbox = null!;
    private TestConversations _service = null!;
    private Channel _channel = null!;

    private OutboundOptions Options { get; } = new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        MaxProbeDelay = TimeSpan.FromMilliseconds(100),
        SendTimeout = TimeSpan.FromSeconds(5),
        ClaimLease = TimeSpan.FromSeconds(30),
    };

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _receiver = await WebhookReceiver.StartAsync();
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        _hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        _hub.Subscribe(e =>
        {
            if (e is MessageUpdated)
            {
                _updated.Release();
            }
        });
        _outbox = new OutboxSignal();
        _service = new TestConversations(_database, _hub, outbox: _outbox);
        await using var db = _database.NewContext();
        _channel = await db.AddChannelAsync("API Loja");
        _channel.SetSettings(new ApiChannelSettings { WebhookUrl = _receiver.Url, WebhookSecret = Secret });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _http.DisposeAsync();
        await _database.DisposeAsync();
    }

    private OutboundDispatcher NewDispatcher(TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        return new OutboundDispatcher(_database.Factory, _database.Units(_hub, _outbox), _database.Gate,
            [new ApiChannelSender(_http.GetRequiredService<IHttpClientFactory>(), time, options)],
            _outbox, time, options, NullLogger<OutboundDispatcher>.Instance);
    }

    private async Task<int> NewConversationAsync(int? channelId = null)
    {
        var result = await _service.Inbound.ReceiveAsync(new InboundMessage(channelId ?? _channel.Id, "cliente-42", "Maria Silva", null, "Oi"));
        return result.ConversationId!.Value;
    }

    private async Task<Message> WaitForFinalStatusAsync(long messageId)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using (var db = _database.NewContext())
            {
                var message = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId);
                if (message.DeliveryStatus is DeliveryStatus.Sent or DeliveryStatus.Failed)
                {
                    return message;
                }
            }

            await _updated.WaitAsync(cancel.Token);
        }
    }

    [Fact]
    public async Task Reply_IsPostedSignedToTheWebhook_AndMarkedSent()
    {
        var conversationId = await NewConversationAsync();
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Seu pedido saiu para entrega");
        var dispatcher = NewDispatcher();
        await dispatcher.StartAsync(CancellationToken.None);

        var webhook = (await _receiver.WaitForAsync(1)).Single();
        var sent = await WaitForFinalStatusAsync(reply.Id);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.StartsWith("application/json", webhook.ContentType);
        Assert.Equal("sha256=" + ApiChannelSender.Sign(Secret, webhook.Timestamp, webhook.Body), webhook.Signature);
        Assert.Matches("^sha256=[0-9a-f]{64}$", webhook.Signature);
        Assert.InRange(long.Parse(webhook.Timestamp), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal(reply.DeliveryId.ToString(), webhook.DeliveryId);
        using var json = JsonDocument.Parse(webhook.Body);
        var root = json.RootElement;
        Assert.Equal("message_created", root.GetProperty("event").GetString());
        Assert.Equal(reply.Id, root.GetProperty("message").GetProperty("id").GetInt64());
        Assert.Equal(conversationId, root.GetProperty("message").GetProperty("conversationId").GetInt32());
        Assert.Equal("Seu pedido saiu para entrega", root.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal(reply.CreatedAt, root.GetProperty("message").GetProperty("createdAt").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal("cliente-42", root.GetProperty("contact").GetProperty("id").GetString());
        Assert.Equal("Maria Silva", root.GetProperty("contact").GetProperty("name").GetString());
        Assert.Equal(_channel.Id, root.GetProperty("channel").GetProperty("id").GetInt32());
        Assert.Equal("API Loja", root.GetProperty("channel").GetProperty("name").GetString());
        Assert.Equal(["event", "message", "contact", "channel"], root.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Non2xxAnswers_AreRetriedWithTheSameDeliveryId_ThenDelivered()
    {
        _receiver.Respond = (n, _, _) => Task.FromResult(n <= 2 ? 500 : 200);
        var reply = await _service.Commands.ReplyAsync(await NewConversationAsync(), _ana, "Tentando de novo");
        var dispatcher = NewDispatcher();
        await dispatcher.StartAsync(CancellationToken.None);

        var attempts = await _receiver.WaitForAsync(3);
        var sent = await WaitForFinalStatusAsync(reply.Id);
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal(3, sent.DeliveryAttempts);
        Assert.All(attempts, a => Assert.Equal(reply.DeliveryId.ToString(), a.DeliveryId));
        Assert.Equal(3, _receiver.Received.Count);
    }

    [Fact]
    public async Task FailingWebhook_IsRetriedUntilTheRetryWindowEnds_ThenMarkedFailedWithTheReason()
    {
        Options.RetryFor = TimeSpan.FromMilliseconds(600);
        _receiver.Respond = (_, _, _) => Task.FromResult(503);
        var conversationId = await NewConversationAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Não vai chegar");
        var dispatcher = NewDispatcher();
        await dispatcher.StartAsync(CancellationToken.None);

        var failed = await WaitForFinalStatusAsync(reply.Id);
        var elapsed = watch.Elapsed;
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Contains("HTTP 503", failed.FailureReason);
        // Not after a fixed number of tries: only once the window has passed (tries every ≤ 100 ms meanwhile).
        Assert.True(elapsed >= Options.RetryFor, $"failed after {elapsed.TotalMilliseconds:0} ms");
        Assert.InRange(_receiver.Received.Count, 2, 30);
        Assert.Equal(_receiver.Received.Count, failed.DeliveryAttempts);
    }

    [Fact]
    public async Task SlowWebhook_TimesOut_AndIsMarkedFailedWithTheReason()
    {
        Options.RetryFor = TimeSpan.Zero;
        Options.SendTimeout = TimeSpan.FromMilliseconds(300);
        _receiver.Respond = async (_, _, aborted) =>
        {
            await Task.Delay(Timeout.Infinite, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return 200;
        };
        var reply = await _service.Commands.ReplyAsync(await NewConversationAsync(), _ana, "Lento");
        var dispatcher = NewDispatcher();

        await dispatcher.DispatchDueAsync(waitForSends: true, CancellationToken.None);

        var failed = await WaitForFinalStatusAsync(reply.Id);
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Contains("não respondeu", failed.FailureReason);
    }

    [Fact]
    public async Task PrivateNotesAndActivityLines_AreNeverPosted()
    {
        var conversationId = await NewConversationAsync();
        await _service.Commands.AddNoteAsync(conversationId, _ana, "Segredo interno");
        await _service.Commands.SetPriorityAsync(conversationId, _ana, ConversationPriority.High);
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Resposta pública");
        await _service.Commands.ResolveAsync(conversationId, _ana);
        var dispatcher = NewDispatcher();

        await dispatcher.DispatchDueAsync(waitForSends: true, CancellationToken.None);

        var webhook = Assert.Single(_receiver.Received);
        Assert.Contains("Resposta pública", webhook.Body);
        Assert.DoesNotContain("Segredo interno", webhook.Body);
        Assert.Equal(DeliveryStatus.Sent, (await WaitForFinalStatusAsync(reply.Id)).DeliveryStatus);
    }

    [Fact]
    public async Task ChannelTypeWithoutSender_IsMarkedFailedAtOnce()
    {
        int channelId;
        await using (var db = _database.NewContext())
        {
            channelId = (await db.AddChannelAsync("WhatsApp", ChannelType.WhatsApp)).Id;
        }

        var reply = await _service.Commands.ReplyAsync(await NewConversationAsync(channelId), _ana, "Oi");

        await NewDispatcher().DispatchDueAsync(waitForSends: true, CancellationToken.None);

        var failed = await WaitForFinalStatusAsync(reply.Id);
        Assert.Equal((DeliveryStatus.Failed, OutboundDispatcher.NoSenderReason), (failed.DeliveryStatus, failed.FailureReason));
        Assert.Empty(_receiver.Received);
    }

    [Fact]
    public async Task TwoDispatchers_NeverSendTheSameMessageTwice_NorAConversationsRepliesOutOfOrder()
    {
        var conversations = new List<int>();
        for (var c = 0; c < 10; c++)
        {
            var result = await _service.Inbound.ReceiveAsync(new InboundMessage(_channel.Id, $"cliente-{c}", "Cliente", null, "Oi"));
            conversations.Add(result.ConversationId!.Value);
        }

        for (var i = 0; i < 3; i++)
        {
            foreach (var conversationId in conversations)
            {
                await _service.Commands.ReplyAsync(conversationId, _ana, $"Mensagem {i}");
            }
        }

        async Task RunUntilAllSentAsync(OutboundDispatcher dispatcher)
        {
            for (var pass = 0; pass < 200 && _receiver.Received.Count < 30; pass++)
            {
                await dispatcher.DispatchDueAsync(waitForSends: true, CancellationToken.None);
            }
        }

        await Task.WhenAll(Task.Run(() => RunUntilAllSentAsync(NewDispatcher())), Task.Run(() => RunUntilAllSentAsync(NewDispatcher())));

        Assert.Equal(30, _receiver.Received.Count);
        Assert.Equal(30, _receiver.Received.Select(r => r.DeliveryId).Distinct().Count());
        foreach (var group in _receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("message"))
                     .GroupBy(m => m.GetProperty("conversationId").GetInt32()))
        {
            Assert.Equal(["Mensagem 0", "Mensagem 1", "Mensagem 2"], group.Select(m => m.GetProperty("text").GetString()));
        }
    }

    [Fact]
    public async Task ClaimedMessage_WhoseSenderDied_IsDueAgainAfterTheLease()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var reply = await _service.Commands.ReplyAsync(await NewConversationAsync(), _ana, "Depois da queda");
        // A previous process claimed it (lease 30 s ahead) and died before finishing.
        var lease = time.GetUtcNow().UtcDateTime + Options.ClaimLease;
        await using (var db = _database.NewContext())
        {
            await db.Messages.Where(m => m.Id == reply.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, lease));
        }

        var dispatcher = NewDispatcher(time);
        var wait = await dispatcher.DispatchDueAsync(waitForSends: true, CancellationToken.None);
        Assert.Empty(_receiver.Received);
        Assert.Equal(Options.ClaimLease, wait);

        time.Advance(Options.ClaimLease);
        await dispatcher.DispatchDueAsync(waitForSends: true, CancellationToken.None);

        Assert.Equal(reply.DeliveryId.ToString(), Assert.Single(_receiver.Received).DeliveryId);
    }
}
