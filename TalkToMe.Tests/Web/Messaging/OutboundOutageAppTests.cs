using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;
using Xunit.Abstractions;

namespace TalkToMe.Tests.Web.Messaging;

/// <summary>
/// Issue 18's outage-order probe against the whole app on real time: an API channel's webhook receiver drops every
/// connection for a while, agents reply meanwhile in two conversations, and each reply must arrive once, in order, soon
/// after the receiver is back. The short version (short timings) runs in every suite; the probe's own 60 s and 10 min
/// outages with the production defaults are nightly-style (Category=Long). The exact figures on fake time are in
/// <c>Core/Messaging/OutboundOutageTests</c>.
/// </summary>
public sealed class OutboundOutageAppTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["TalkToMe:Outbound:RetryBaseDelay"] = "00:00:00.050",
        ["TalkToMe:Outbound:MaxProbeDelay"] = "00:00:00.200",
        ["TalkToMe:Outbound:SendTimeout"] = "00:00:03",
    };

    [Fact]
    public Task ReceiverDownTwoSeconds_EveryReplyArrivesOnceInOrder_SoonAfterRecovery() =>
        OutageAsync(TimeSpan.FromSeconds(2), Fast, TimeSpan.FromSeconds(5));

    [LongFact]
    [Trait("Category", "Long")]
    public Task Long_ReceiverDownSixtySeconds_DefaultSettings_EveryReplyArrivesOnceInOrder_WithinTenSeconds() =>
        OutageAsync(TimeSpan.FromSeconds(60), [], TimeSpan.FromSeconds(10));

    [LongFact]
    [Trait("Category", "Long")]
    public Task Long_ReceiverDownTenMinutes_DefaultSettings_EveryReplyArrivesOnceInOrder_WithinTenSeconds() =>
        OutageAsync(TimeSpan.FromMinutes(10), [], TimeSpan.FromSeconds(10));

    private async Task OutageAsync(TimeSpan outage, Dictionary<string, string?> settings, TimeSpan limit)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = Stopwatch.StartNew();
        var accepted = new ConcurrentQueue<(int Conversation, string Text, string DeliveryId, TimeSpan At)>();
        receiver.Respond = (_, webhook, _) =>
        {
            if (clock.Elapsed < outage)
            {
                return Task.FromResult(WebhookReceiver.Drop);
            }

            using var json = JsonDocument.Parse(webhook.Body);
            var message = json.RootElement.GetProperty("message");
            accepted.Enqueue((message.GetProperty("conversationId").GetInt32(), message.GetProperty("text").GetString()!, webhook.DeliveryId,
                clock.Elapsed));
            return Task.FromResult(200);
        };

        await using var app = await TestApp.StartAsync(settings);
        var (channelId, _) = await ApiChannels.CreateAsync(app.Services, webhookUrl: receiver.Url);
        var inbound = app.Services.GetRequiredService<InboundWriter>();
        var commands = app.Services.GetRequiredService<ConversationCommands>();
        var eight = (await inbound.ReceiveAsync(new InboundMessage(channelId, "cliente-8", "Cliente 8", "in-8", "Oi"))).ConversationId!.Value;
        var nine = (await inbound.ReceiveAsync(new InboundMessage(channelId, "cliente-9", "Cliente 9", "in-9", "Oi"))).ConversationId!.Value;
        clock.Restart();
        var ana = new Actor(null, "Ana");
        for (var i = 0; i < 12; i++)
        {
            await commands.ReplyAsync(i % 2 == 0 ? eight : nine, ana, $"r{i:00}");
            await Task.Delay(outage / 16);
        }

        using var cancel = new CancellationTokenSource(outage + limit + TimeSpan.FromSeconds(30));
        while (accepted.Count < 12 && !cancel.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        var last = accepted.IsEmpty ? TimeSpan.Zero : accepted.Max(a => a.At) - outage;
        output.WriteLine($"{accepted.Count} of 12 accepted, the last {last.TotalSeconds:0.0} s after recovery; {receiver.Received.Count} requests in all");
        Assert.Equal(12, accepted.Count);
        Assert.Equal(12, accepted.Select(a => a.DeliveryId).Distinct().Count());
        Assert.Equal(["r00", "r02", "r04", "r06", "r08", "r10"], accepted.Where(a => a.Conversation == eight).Select(a => a.Text));
        Assert.Equal(["r01", "r03", "r05", "r07", "r09", "r11"], accepted.Where(a => a.Conversation == nine).Select(a => a.Text));
        Assert.True(last <= limit, $"the last reply arrived {last.TotalSeconds:0.0} s after recovery");
    }
}
