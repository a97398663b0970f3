using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Messaging;

/// <summary>
/// Issue 18's outage probe as tests: an API channel's webhook receiver (a local server on 127.0.0.1) goes down while agents
/// reply in two conversations. Every reply must reach the receiver exactly once, in the order it was written within its
/// conversation, at most 10 s after the receiver is back, with the production defaults. Time is a FakeTimeProvider that
/// moves as the dispatcher's loop would sleep, so a 10-minute outage takes about a second.
/// </summary>
public sealed class OutboundOutageTests : IAsyncLifetime
{
    private const string Secret = "segredo-do-webhook";
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(10);
    private readonly Actor _ana = new(null, "Ana");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<Arrival> _arrivals = new();
    private TestDatabase _database = null!;
    private WebhookReceiver _receiver = null!;
    private ServiceProvider _http = null!;
    private InboxEventHub _hub = null!;
    private OutboxSignal _outbox = null!;
    private TestConversations _service = null!;
    private int _channelId;

    /// <summary>Whether the receiver is down at a given time; it answers what it is given then (503, or a dropped connection).</summary>
    private Func<DateTimeOffset, bool> _down = _ => false;

    private int _downAnswer = 503;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _receiver = await WebhookReceiver.StartAsync();
        _receiver.Respond = (_, webhook, _) =>
        {
            using var json = JsonDocument.Parse(webhook.Body);
            var message = json.RootElement.GetProperty("message");
            var now = _time.GetUtcNow();
            var down = _down(now);
            _arrivals.Enqueue(new Arrival(message.GetProperty("conversationId").GetInt32(), message.GetProperty("text").GetString()!,
                webhook.DeliveryId, now, !down));
            return Task.FromResult(down ? _downAnswer : 200);
        };
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        _hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        _outbox = new OutboxSignal();
        _service = new TestConversations(_database, _hub, _time, outbox: _outbox);
        await using var db = _database.NewContext();
        var channel = await db.AddChannelAsync("API Loja");
        channel.SetSettings(new ApiChannelSettings { WebhookUrl = _receiver.Url, WebhookSecret = Secret });
        await db.SaveChangesAsync();
        _channelId = channel.Id;
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _http.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public Task SixtySecondOutage_EveryReplyArrivesOnceInOrder_WithinTenSecondsOfRecovery() =>
        OutageAsync(TimeSpan.FromSeconds(60), downAnswer: 503);

    [Fact]
    public Task TenMinuteOutage_EveryReplyArrivesOnceInOrder_WithinTenSecondsOfRecovery() =>
        OutageAsync(TimeSpan.FromMinutes(10), downAnswer: WebhookReceiver.Drop);

    [Fact]
    public async Task OutageLongerThanTheRetryWindow_RepliesShowFailedOnlyOnceTheWindowHasPassed()
    {
        var options = new OutboundOptions { RetryFor = TimeSpan.FromMinutes(10) };
        _down = _ => true;
        var (eight, nine) = (await NewConversationAsync("cliente-8"), await NewConversationAsync("cliente-9"));
        var replies = new List<long>();
        var script = Enumerable.Range(0, 6)
            .Select(i => (TimeSpan.FromSeconds(i), (Func<Task>)(async () =>
                replies.Add((await _service.Commands.ReplyAsync(i % 2 == 0 ? eight : nine, _ana, $"r{i:00}")).Id))))
            .ToList();
        var start = _time.GetUtcNow();
        var dispatcher = NewDispatcher(options);

        await RunAsync(dispatcher, start, script, TimeSpan.FromMinutes(9));
        Assert.All(await StatusesAsync(replies), s => Assert.Equal(DeliveryStatus.Pending, s.Status));

        await RunAsync(dispatcher, start, [], TimeSpan.FromMinutes(11));
        Assert.All(await StatusesAsync(replies), s =>
        {
            Assert.Equal(DeliveryStatus.Failed, s.Status);
            Assert.Contains("HTTP 503", s.Reason);
        });
        Assert.DoesNotContain(_arrivals, a => a.Accepted);
        // One probe every few seconds for the channel, not a series of tries per message.
        Assert.InRange(_arrivals.Count, 6, (int)(TimeSpan.FromMinutes(11) / options.MaxProbeDelay) + 10);
    }

    [Fact]
    public async Task PermanentRefusal_FailsAtOnce_AndTheConversationsNextReplyGoesRightAfter()
    {
        var sender = new ScriptedSender(d => d.Text == "inválida" ? SendResult.Rejected("HTTP 400 texto inválido") : SendResult.Sent());
        var conversation = await NewConversationAsync("cliente-8");
        var refused = await _service.Commands.ReplyAsync(conversation, _ana, "inválida");
        var next = await _service.Commands.ReplyAsync(conversation, _ana, "r01");

        await RunAsync(NewDispatcher(new OutboundOptions(), sender), _time.GetUtcNow(), [], TimeSpan.Zero);

        var statuses = await StatusesAsync([refused.Id, next.Id]);
        Assert.Equal((DeliveryStatus.Failed, 1, "HTTP 400 texto inválido"), (statuses[0].Status, statuses[0].Attempts, statuses[0].Reason));
        Assert.Equal(DeliveryStatus.Sent, statuses[1].Status);
        Assert.Equal(["inválida", "r01"], sender.Sent.Select(s => s.Text));
    }

    [Fact]
    public async Task OneReplyThatKeepsFailing_HoldsBackOnlyItsOwnConversation_AndBacksOffOnItsOwn()
    {
        var sent = new ConcurrentQueue<(string Text, DateTimeOffset At)>();
        var sender = new ScriptedSender(d =>
        {
            if (d.Text == "veneno")
            {
                return SendResult.Failed("HTTP 500 erro interno");
            }

            sent.Enqueue((d.Text, _time.GetUtcNow()));
            return SendResult.Sent();
        });
        var (eight, nine) = (await NewConversationAsync("cliente-8"), await NewConversationAsync("cliente-9"));
        var poison = await _service.Commands.ReplyAsync(eight, _ana, "veneno");
        var behind = await _service.Commands.ReplyAsync(eight, _ana, "a01");
        var written = new ConcurrentDictionary<string, DateTimeOffset>();
        var script = Enumerable.Range(0, 10)
            .Select(i => (TimeSpan.FromSeconds(30 * i), (Func<Task>)(async () =>
            {
                written[$"b{i:00}"] = _time.GetUtcNow();
                await _service.Commands.ReplyAsync(nine, _ana, $"b{i:00}");
            })))
            .ToList();
        var options = new OutboundOptions();

        await RunAsync(NewDispatcher(options, sender), _time.GetUtcNow(), script, TimeSpan.FromMinutes(10));

        // The other conversation is never held up for longer than one probe delay.
        Assert.Equal(written.Keys.Order(), sent.Select(s => s.Text).Where(t => t.StartsWith('b')));
        Assert.All(sent.Where(s => s.Text.StartsWith('b')), s => Assert.InRange(s.At - written[s.Text], TimeSpan.Zero, options.MaxProbeDelay));
        // Its own conversation waits: the later reply is not sent while the earlier one is still being retried.
        Assert.DoesNotContain(sent, s => s.Text == "a01");
        Assert.Equal(DeliveryStatus.Pending, (await StatusesAsync([behind.Id]))[0].Status);
        // And it is not hammered: once the channel is known to work, its own delay grows towards MaxRetryDelay.
        Assert.InRange(sender.Sent.Count(s => s.Text == "veneno"), 2, 40);
        Assert.Equal(DeliveryStatus.Pending, (await StatusesAsync([poison.Id]))[0].Status);
    }

    [Fact]
    public async Task RealLoop_ReceiverDropsConnectionsForAMoment_DrainsInOrderRightAfterRecovery()
    {
        // The dispatcher's own loop on real time (short timings): the probe's success must wake it, not a timer.
        var options = new OutboundOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxProbeDelay = TimeSpan.FromMilliseconds(150),
            SendTimeout = TimeSpan.FromSeconds(3),
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var upAfter = TimeSpan.FromMilliseconds(1500);
        var accepted = new ConcurrentQueue<(int Conversation, string Text, string DeliveryId, TimeSpan At)>();
        _receiver.Respond = (_, webhook, _) =>
        {
            if (clock.Elapsed < upAfter)
            {
                return Task.FromResult(WebhookReceiver.Drop);
            }

            using var json = JsonDocument.Parse(webhook.Body);
            var message = json.RootElement.GetProperty("message");
            accepted.Enqueue((message.GetProperty("conversationId").GetInt32(), message.GetProperty("text").GetString()!, webhook.DeliveryId,
                clock.Elapsed));
            return Task.FromResult(200);
        };
        var service = new TestConversations(_database, _hub, outbox: _outbox);
        var (eight, nine) = (await NewConversationAsync("cliente-8"), await NewConversationAsync("cliente-9"));
        var dispatcher = NewDispatcher(options, time: TimeProvider.System);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 12; i++)
            {
                await service.Commands.ReplyAsync(i % 2 == 0 ? eight : nine, _ana, $"r{i:00}");
                await Task.Delay(50);
            }

            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (accepted.Count < 12)
            {
                await Task.Delay(20, cancel.Token);
            }
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }

        Assert.Equal(12, accepted.Count);
        Assert.Equal(12, accepted.Select(a => a.DeliveryId).Distinct().Count());
        Assert.Equal(["r00", "r02", "r04", "r06", "r08", "r10"], accepted.Where(a => a.Conversation == eight).Select(a => a.Text));
        Assert.Equal(["r01", "r03", "r05", "r07", "r09", "r11"], accepted.Where(a => a.Conversation == nine).Select(a => a.Text));
        // Soon after recovery: a probe within MaxProbeDelay, then 6 replies in a row per conversation, each waking the loop
        // at once. (The fake-time tests above hold the exact ≤ 10 s; this bound leaves a loaded 2-core machine its slack.)
        Assert.True(accepted.Max(a => a.At) - upAfter < TimeSpan.FromSeconds(5), $"last reply {accepted.Max(a => a.At) - upAfter} after recovery");
    }

    private async Task OutageAsync(TimeSpan outage, int downAnswer)
    {
        var options = new OutboundOptions(); // production defaults
        var start = _time.GetUtcNow();
        var upAt = start + outage;
        _down = now => now < upAt;
        _downAnswer = downAnswer;
        var (eight, nine) = (await NewConversationAsync("cliente-8"), await NewConversationAsync("cliente-9"));
        // r00..r11 written during the outage, alternating between the two conversations, 4 s apart.
        var replies = new List<long>();
        var script = Enumerable.Range(0, 12)
            .Select(i => (TimeSpan.FromSeconds(4 * i), (Func<Task>)(async () =>
                replies.Add((await _service.Commands.ReplyAsync(i % 2 == 0 ? eight : nine, _ana, $"r{i:00}")).Id))))
            .ToList();

        await RunAsync(NewDispatcher(options), start, script, outage + TimeSpan.FromMinutes(1));

        var accepted = _arrivals.Where(a => a.Accepted).ToList();
        Assert.Equal(12, accepted.Count);
        Assert.Equal(12, accepted.Select(a => a.DeliveryId).Distinct().Count());
        Assert.Equal(["r00", "r02", "r04", "r06", "r08", "r10"], accepted.Where(a => a.Conversation == eight).Select(a => a.Text));
        Assert.Equal(["r01", "r03", "r05", "r07", "r09", "r11"], accepted.Where(a => a.Conversation == nine).Select(a => a.Text));
        // A later reply is never even tried while an earlier one of its conversation is still pending.
        foreach (var conversation in new[] { eight, nine })
        {
            var tried = _arrivals.Where(a => a.Conversation == conversation).Select(a => a.Text).ToList();
            Assert.Equal(tried.Order(StringComparer.Ordinal), tried);
        }

        var last = accepted.Max(a => a.At);
        Assert.True(last - upAt <= RecoveryLimit, $"the last reply arrived {(last - upAt).TotalSeconds:0.#} s after recovery");
        Assert.All(await StatusesAsync(replies), s => Assert.Equal(DeliveryStatus.Sent, s.Status));
        // The channel backs off as a whole: about one probe per MaxProbeDelay while down, not 6 tries per message.
        var triedWhileDown = _arrivals.Count(a => !a.Accepted);
        Assert.InRange(triedWhileDown, 1, (int)(outage / options.MaxProbeDelay) + 6);
    }

    /// <summary>
    /// Runs the dispatcher as its loop would, on fake time: a pass, then sleep for the wait it returned (or until the next
    /// scripted reply), except that a pass which sent something runs again at once (a finished send wakes the real loop).
    /// </summary>
    private async Task RunAsync(OutboundDispatcher dispatcher, DateTimeOffset start,
        IReadOnlyList<(TimeSpan At, Func<Task> Action)> script, TimeSpan until)
    {
        var pending = new Queue<(TimeSpan At, Func<Task> Action)>(script.OrderBy(s => s.At));
        var idlePasses = 0;
        while (true)
        {
            var elapsed = _time.GetUtcNow() - start;
            while (pending.Count > 0 && pending.Peek().At <= elapsed)
            {
                await pending.Dequeue().Action();
            }

            var before = _receiver.Received.Count + ScriptedSender.Calls;
            var wait = await dispatcher.DispatchDueAsync(waitForSends: true, CancellationToken.None);
            if (_receiver.Received.Count + ScriptedSender.Calls != before)
            {
                idlePasses = 0;
                continue;
            }

            if (elapsed >= until)
            {
                return;
            }

            var toNext = (pending.Count > 0 ? pending.Peek().At : until) - elapsed;
            if (wait <= TimeSpan.Zero && toNext > TimeSpan.Zero)
            {
                if (++idlePasses >= 5)
                {
                    await using var db = _database.NewContext();
                    var pendingRows = await db.Messages.AsNoTracking().Where(m => m.DeliveryStatus == DeliveryStatus.Pending)
                        .Select(m => $"{m.Id}/{m.ConversationId}/{m.Content}/{m.NextAttemptAt:O}").ToListAsync();
                    Assert.Fail($"The dispatcher asks to run again at once without sending anything: its loop would spin. " +
                        $"now {_time.GetUtcNow():O}, wait {wait}, pending: {string.Join("; ", pendingRows)}");
                }
            }

            var step = wait < toNext ? wait : toNext;
            _time.Advance(step > TimeSpan.Zero ? step : TimeSpan.Zero);
        }
    }

    private OutboundDispatcher NewDispatcher(OutboundOptions options, IChannelSender? sender = null, TimeProvider? time = null)
    {
        time ??= _time;
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        sender ??= new ApiChannelSender(_http.GetRequiredService<IHttpClientFactory>(), time, wrapped);
        return new OutboundDispatcher(_database.Factory, _database.Units(_hub, _outbox), _database.Gate, [sender], _outbox, time, wrapped,
            NullLogger<OutboundDispatcher>.Instance);
    }

    private async Task<int> NewConversationAsync(string contactId)
    {
        var result = await _service.Inbound.ReceiveAsync(new InboundMessage(_channelId, contactId, "Cliente " + contactId, null, "Oi"));
        return result.ConversationId!.Value;
    }

    private async Task<List<(DeliveryStatus Status, int Attempts, string? Reason)>> StatusesAsync(IEnumerable<long> ids)
    {
        var list = ids.ToList();
        await using var db = _database.NewContext();
        var rows = await db.Messages.AsNoTracking().Where(m => list.Contains(m.Id)).ToListAsync();
        return list.Select(id => rows.Single(r => r.Id == id)).Select(m => (m.DeliveryStatus, m.DeliveryAttempts, m.FailureReason)).ToList();
    }

    private sealed record Arrival(int Conversation, string Text, string DeliveryId, DateTimeOffset At, bool Accepted);

    /// <summary>An API-channel sender whose answers the test decides (permanent refusals, one message that always fails).</summary>
    private sealed class ScriptedSender(Func<OutboundDelivery, SendResult> answer) : IChannelSender
    {
        private static int _calls;

        public static int Calls => Volatile.Read(ref _calls);

        public ConcurrentQueue<OutboundDelivery> Sent { get; } = new();

        public ChannelType Type => ChannelType.Api;

        public Task<SendResult> SendAsync(OutboundDelivery delivery, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Sent.Enqueue(delivery);
            return Task.FromResult(answer(delivery));
        }
    }
}
