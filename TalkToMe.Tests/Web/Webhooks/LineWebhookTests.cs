using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Webhooks;

public class LineWebhookTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private const string ChannelSecret = "line-channel-secret";
    private const string AccessToken = "line-channel-access-token";
    private const string UserId = "U4af4980629a1b2c3d4e5f60718293a4b";

    private static string Inbound(string eventId, string userId, string text, string messageType = "text", string eventType = "message") =>
        JsonSerializer.Serialize(new
        {
            destination = "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            events = new[]
            {
                new
                {
                    type = eventType,
                    webhookEventId = eventId,
                    timestamp = 1790000000000,
                    mode = "active",
                    source = new { type = "user", userId },
                    replyToken = "b60d1f0a2e0c4f0e9b3f1a2d3c4e5f60",
                    deliveryContext = new { isRedelivery = false },
                    message = new { id = "468789577898262530", type = messageType, text, quoteToken = "q3Plxr4AgKd" },
                },
            },
        });

    private async Task<Channel> ChannelAsync(bool active = true) =>
        await fixture.AddChannelAsync(ChannelType.Line, new LineSettings
        {
            ChannelSecret = ChannelSecret,
            ChannelAccessToken = AccessToken,
            ApiBaseUrl = fixture.Provider.BaseUrl,
        }, active);

    private static string Signature(string body, string secret = ChannelSecret) => LineWebhook.Sign(secret, Encoding.UTF8.GetBytes(body));

    private Task<HttpResponseMessage> PostAsync(Channel channel, string body, string? signature = "") =>
        fixture.PostWebhookAsync($"webhooks/line/{channel.PublicKey}", ProviderFixture.Json(body), LineWebhook.SignatureHeader,
            signature?.Length == 0 ? Signature(body) : signature);

    private async Task<int> ReceiveAsync(Channel channel)
    {
        var response = await PostAsync(channel, Inbound(Guid.NewGuid().ToString("N").ToUpperInvariant(), UserId, "Olá, o pedido 4521 não chegou."));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;
    }

    private static FakeReply Accepted(params string[] ids) =>
        new(200, JsonSerializer.Serialize(new { sentMessages = ids.Select(id => new { id, quoteToken = "IStG5h1Tz7b" }) }));

    private void RouteProfile(string userId, Func<RecordedRequest, FakeReply> reply) =>
        fixture.Provider.Route(r => r.Method == "GET" && r.PathAndQuery == $"/v2/bot/profile/{userId}", reply);

    [Fact]
    public async Task Receive_NewCustomer_InboxShowsTheLineDisplayNameAfterTheLookup()
    {
        var channel = await ChannelAsync();
        const string userId = "U00000000000000000000000000000a01";
        RouteProfile(userId, _ => new FakeReply(200,
            $$"""{"displayName":"Kenji Tanaka","userId":"{{userId}}","pictureUrl":"https://profile.line-scdn.net/x","language":"ja"}"""));

        var response = await PostAsync(channel, Inbound(Guid.NewGuid().ToString("N"), userId, "Olá!"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await fixture.WaitForContactNameAsync(channel.Id, "Kenji Tanaka");
        var lookup = Assert.Single(fixture.Provider.RoutedRequests, r => r.PathAndQuery == $"/v2/bot/profile/{userId}");
        Assert.Equal($"Bearer {AccessToken}", lookup.Headers["Authorization"]);
    }

    [Fact]
    public async Task Receive_ProfileLookupFails_ContactKeepsTheUserIdAndTheMessageIsKept()
    {
        var failing = await ChannelAsync();
        const string userId = "U00000000000000000000000000000a02";
        RouteProfile(userId, _ => new FakeReply(503, """{"message":"Service unavailable"}"""));
        var named = await ChannelAsync();
        const string otherUserId = "U00000000000000000000000000000a03";
        RouteProfile(otherUserId, _ => new FakeReply(200, $$"""{"displayName":"Yui","userId":"{{otherUserId}}"}"""));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(failing, Inbound(Guid.NewGuid().ToString("N"), userId, "Olá"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(named, Inbound(Guid.NewGuid().ToString("N"), otherUserId, "Olá"))).StatusCode);

        // Lookups run in order: once the second contact is named, the first lookup has finished.
        await fixture.WaitForContactNameAsync(named.Id, "Yui");
        Assert.Contains(fixture.Provider.RoutedRequests, r => r.PathAndQuery == $"/v2/bot/profile/{userId}");
        Assert.Equal(userId, Assert.Single(await fixture.ConversationsAsync(failing.Id)).Contact.Name);
        Assert.Equal("Olá", Assert.Single(await fixture.MessagesAsync(failing.Id)).Content);
    }

    [Fact]
    public async Task Receive_ConsoleVerifyCallWithNoEvents_Returns200AndStoresNothing()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, """{"destination":"Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","events":[]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SignedText_StartsConversationInTheInboxNamedByUserId()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("01FZ74A0TDDPYRVKNK77XKC3ZR", UserId, "Olá, o pedido 4521 ainda não chegou."));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inbox = await fixture.App.Services.GetRequiredService<InboxQuery>().ListAsync(new InboxFilter { ChannelId = channel.Id });
        var item = Assert.Single(inbox.Items);
        Assert.Equal(UserId, item.ContactName);
        Assert.Equal("Olá, o pedido 4521 ainda não chegou.", item.LastMessagePreview);
        await using var db = await fixture.Db.CreateDbContextAsync();
        Assert.Equal(UserId, (await db.ContactIdentities.SingleAsync(i => i.ChannelId == channel.Id)).ExternalId);
        Assert.Equal("01FZ74A0TDDPYRVKNK77XKC3ZR", Assert.Single(await fixture.MessagesAsync(channel.Id)).ExternalId);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", HttpStatusCode.Forbidden)]
    [InlineData("not-a-signature", HttpStatusCode.Forbidden)]
    public async Task Receive_MissingOrBadSignature_IsRefusedAndStoresNothing(string? signature, HttpStatusCode expected)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("01BAD", UserId, "Oi"), signature);

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SignedWithAnotherSecret_Returns403AndStoresNothing()
    {
        var channel = await ChannelAsync();
        var body = Inbound("01OTHER", UserId, "Oi");

        var response = await PostAsync(channel, body, Signature(body, "someone-elses-secret"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SameWebhookEventIdTwice_StoresItOnce()
    {
        var channel = await ChannelAsync();
        var body = Inbound("01DUPLICATE", UserId, "Oi");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, body)).StatusCode);

        Assert.Single(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("sticker", "message")]
    [InlineData("text", "follow")]
    public async Task Receive_NonTextOrNonMessageEvent_Returns200AndStoresNothing(string messageType, string eventType)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("01SKIP" + messageType + eventType, UserId, "x", messageType, eventType));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"destination\":\"U1\"}")]
    public async Task Receive_MalformedPayload_Returns400AndStoresNothing(string body)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"detail\"", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("{\"events\":[{\"webhookEventId\":\"01X\"}]}", "type")]
    [InlineData("{\"events\":[{\"type\":\"message\",\"source\":{\"userId\":\"U1\"},\"message\":{\"type\":\"text\",\"text\":\"sem id\"}}]}", "webhookEventId")]
    [InlineData("{\"events\":[{\"type\":\"message\",\"webhookEventId\":\"01Y\",\"source\":{\"userId\":\"U1\"},\"message\":{\"type\":\"text\"}}]}", "message.text")]
    public async Task Receive_EventThatCannotBeUnderstood_Answers200AndIsKeptWithItsReason(string body, string field)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        var kept = Assert.Single(await fixture.UnprocessedAsync(channel.Id));
        Assert.Contains(field, kept.Reason);
    }

    [Fact]
    public async Task Receive_BodyOver256KB_Returns413AndStoresNothing()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("01BIG", UserId, new string('a', 300 * 1024)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_DeletedChannel_Returns410AndStoresNothing()
    {
        var channel = await ChannelAsync();
        await fixture.DeleteChannelAsync(channel.Id);

        var response = await PostAsync(channel, Inbound("01DELETED", UserId, "Oi"));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_ChannelNotActive_Returns409AndStoresNothing()
    {
        var channel = await ChannelAsync(active: false);

        var response = await PostAsync(channel, Inbound("01INACTIVE", UserId, "Oi"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Reply_PushesTheMessage_AndStoresTheSentMessageId()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("461230966842064897"));

        var reply = await fixture.ReplyAsync(conversationId, "Vou verificar o pedido 4521.");

        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v2/bot/message/push", request.PathAndQuery);
        Assert.Equal($"Bearer {AccessToken}", request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.ContentType);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal(UserId, root.GetProperty("to").GetString());
        var message = Assert.Single(root.GetProperty("messages").EnumerateArray());
        Assert.Equal("text", message.GetProperty("type").GetString());
        Assert.Equal("Vou verificar o pedido 4521.", message.GetProperty("text").GetString());
        var sent = await fixture.WaitForMessageAsync(reply.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("461230966842064897", sent.ExternalId);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    public async Task Reply_ProviderAnswers5xxOr429_IsRetriedThenDelivered(int status)
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(status, """{"message":"Try again later"}"""));
        fixture.Provider.Enqueue(Accepted("461230966842064898"));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, "Já verifico.");
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("461230966842064898", sent.ExternalId);
        Assert.Equal(2, sent.DeliveryAttempts);
        Assert.Equal(before + 2, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task Reply_InvalidToken_FailsAtOnceWithLinesReason()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(new FakeReply(401, """{"message":"Authentication failed due to the following reason: invalid token."}"""));

        var failed = await fixture.ReplyAndWaitAsync(conversationId, "Oi?");
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Contains("invalid token", failed.FailureReason);
    }

    [Fact]
    public async Task Sender_TextOfSixParts_SendsFiveMessagesInOnePushAndTheSixthInAnother()
    {
        var sender = fixture.App.Services.GetServices<IChannelSender>().Single(s => s.Type == ChannelType.Line);
        var text = string.Join(' ', Enumerable.Range(0, 3600).Select(i => $"palavra{i}")); // ~39 000 characters: more than 5 parts
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("1001", "1002", "1003", "1004", "1005"));
        fixture.Provider.Enqueue(Accepted("1006", "1007", "1008"));
        var delivery = new OutboundDelivery(1, Guid.NewGuid(), 1, text, DateTime.UtcNow, 1, 1, "LINE", ChannelType.Line,
            new LineSettings { ChannelAccessToken = AccessToken, ApiBaseUrl = fixture.Provider.BaseUrl }, UserId, UserId);

        var result = await sender.SendAsync(delivery, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("1001", result.ProviderMessageId);
        var pushes = fixture.Provider.Requests.Skip(before)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => m.GetProperty("text").GetString()!).ToList())
            .ToList();
        Assert.Equal(2, pushes.Count);
        Assert.Equal(5, pushes[0].Count);
        Assert.InRange(pushes[1].Count, 1, 5);
        var parts = pushes.SelectMany(p => p).ToList();
        Assert.All(parts, p => Assert.True(p.Length <= LineSender.MaxTextLength));
        Assert.Equal(text, string.Join(' ', parts));
    }
}
