using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Webhooks;

/// <summary>What Facebook Messenger and Instagram share (the Messenger Platform): each derived class runs all of these.</summary>
public abstract class MessengerWebhookTests(ProviderFixture fixture, ChannelType type)
{
    protected const string PageAccessToken = "EAAG-page-access-token";
    protected const string AppSecret = "meta-app-secret";
    protected const string VerifyToken = "verify-me-please";
    protected const string PageId = "1122334455";

    protected ProviderFixture Fixture => fixture;

    protected string Route => type == ChannelType.Instagram ? "instagram" : "facebook";

    protected string ObjectName => type == ChannelType.Instagram ? "instagram" : "page";

    protected string Inbound(string mid, string psid, string text, bool echo = false, string? objectName = null) =>
        JsonSerializer.Serialize(new
        {
            @object = objectName ?? ObjectName,
            entry = new[]
            {
                new
                {
                    id = PageId,
                    time = 1790000000123,
                    messaging = new[]
                    {
                        new
                        {
                            sender = new { id = echo ? PageId : psid },
                            recipient = new { id = echo ? psid : PageId },
                            timestamp = 1790000000000,
                            message = new { mid, text, is_echo = echo },
                        },
                    },
                },
            },
        });

    protected async Task<Channel> ChannelAsync(bool active = true)
    {
        FacebookSettings settings = type == ChannelType.Instagram ? new InstagramSettings { InstagramAccountId = "17841400000000" } : new FacebookSettings();
        settings.PageId = PageId;
        settings.PageAccessToken = PageAccessToken;
        settings.AppSecret = AppSecret;
        settings.VerifyToken = VerifyToken;
        settings.ApiBaseUrl = fixture.Provider.BaseUrl;
        settings.ApiVersion = "v21.0";
        return await fixture.AddChannelAsync(type, settings, active);
    }

    protected static string Signature(string body, string secret = AppSecret) =>
        "sha256=" + MetaSignature.Sign(secret, Encoding.UTF8.GetBytes(body));

    protected Task<HttpResponseMessage> PostAsync(Channel channel, string body, string? signature = "") =>
        fixture.PostWebhookAsync($"webhooks/{Route}/{channel.PublicKey}", ProviderFixture.Json(body), MetaSignature.Header,
            signature?.Length == 0 ? Signature(body) : signature);

    protected async Task<int> ReceiveAsync(Channel channel, string psid = "6543210987654321")
    {
        var response = await PostAsync(channel, Inbound("m_" + Guid.NewGuid().ToString("N"), psid, "Oi, meu pedido 4521 não chegou."));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;
    }

    protected static FakeReply Accepted(string mid, string psid = "6543210987654321") =>
        new(200, $$"""{"recipient_id":"{{psid}}","message_id":"{{mid}}"}""");

    /// <summary>A receipt item (<c>delivery</c> or <c>read</c>) from the customer <paramref name="psid"/>, as Meta posts it.</summary>
    protected string Receipt(string psid, string kind, object receipt) =>
        JsonSerializer.Serialize(new
        {
            @object = ObjectName,
            entry = new[]
            {
                new
                {
                    id = PageId,
                    time = 1790000000123,
                    messaging = new[]
                    {
                        new Dictionary<string, object>
                        {
                            ["sender"] = new { id = psid },
                            ["recipient"] = new { id = PageId },
                            ["timestamp"] = 1790000000000,
                            [kind] = receipt,
                        },
                    },
                },
            },
        });

    /// <summary>Meta's millisecond watermark that covers a message we marked sent at <paramref name="sentAt"/>.</summary>
    protected static long WatermarkCovering(DateTime? sentAt) =>
        (sentAt!.Value.Ticks - DateTime.UnixEpoch.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;

    /// <summary>Agent replies, one after the other, each accepted by the fake with the given mid; returns them once sent.</summary>
    protected async Task<List<Message>> SentRepliesAsync(int conversationId, params string[] mids)
    {
        var sent = new List<Message>();
        foreach (var mid in mids)
        {
            fixture.Provider.Enqueue(Accepted(mid));
            var reply = await fixture.ReplyAsync(conversationId, $"Resposta {mid}");
            sent.Add(await fixture.WaitForMessageAsync(reply.Id, m => m.DeliveryStatus != DeliveryStatus.Pending));
            Assert.Equal(DeliveryStatus.Sent, sent[^1].DeliveryStatus);
        }

        return sent;
    }

    protected async Task<DeliveryStatus[]> StatesAsync(Channel channel, IEnumerable<Message> replies)
    {
        var stored = await fixture.MessagesAsync(channel.Id);
        return replies.Select(r => stored.Single(m => m.Id == r.Id).DeliveryStatus).ToArray();
    }

    [Fact]
    public async Task Receipt_SignedWithAnotherSecret_Returns403AndChangesNoReply()
    {
        var channel = await ChannelAsync();
        var psid = "7000000000000001";
        var conversationId = await ReceiveAsync(channel, psid);
        var replies = await SentRepliesAsync(conversationId, "m_SIG-" + Guid.NewGuid().ToString("N"));
        var body = Receipt(psid, "read", new { watermark = WatermarkCovering(replies[0].SentAt), mid = replies[0].ExternalId });

        var response = await PostAsync(channel, body, Signature(body, "someone-elses-secret"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal([DeliveryStatus.Sent], await StatesAsync(channel, replies));
    }

    [Theory]
    [InlineData("read", "\"ontem\"")]
    [InlineData("read", "{}")]
    [InlineData("delivery", "{\"mids\":\"m_1\"}")]
    public async Task Receipt_Malformed_Answers200AndIsKeptWithItsReason(string kind, string receipt)
    {
        var channel = await ChannelAsync();
        var body = $$"""{"object":"{{ObjectName}}","entry":[{"id":"{{PageId}}","messaging":[{"sender":{"id":"7000000000000002"},"{{kind}}":{{receipt}}}]}]}""";

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(kind, Assert.Single(await fixture.UnprocessedAsync(channel.Id)).Reason);
    }

    [Fact]
    public async Task Receipt_UnknownMid_Returns200AndChangesNothing()
    {
        var channel = await ChannelAsync();
        var psid = "7000000000000003";
        var conversationId = await ReceiveAsync(channel, psid);
        var replies = await SentRepliesAsync(conversationId, "m_KNOWN-" + Guid.NewGuid().ToString("N"));

        var response = await PostAsync(channel, Receipt(psid, "read", new { mid = "m_sent-from-another-tool" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([DeliveryStatus.Sent], await StatesAsync(channel, replies));
    }

    /// <summary>The Graph profile request for <paramref name="psid"/> (Messenger asks for first/last name, Instagram for name/username).</summary>
    protected string ProfilePath(string psid) =>
        $"/v21.0/{psid}?fields={(type == ChannelType.Instagram ? "name,username" : "first_name,last_name")}&access_token={PageAccessToken}";

    protected string ProfileJson(string psid) => type == ChannelType.Instagram
        ? $$"""{"name":"Maria Souza","username":"maria.souza","id":"{{psid}}"}"""
        : $$"""{"first_name":"Maria","last_name":"Souza","id":"{{psid}}"}""";

    protected void RouteProfile(string psid, Func<RecordedRequest, FakeReply> reply) =>
        fixture.Provider.Route(r => r.Method == "GET" && r.PathAndQuery.StartsWith($"/v21.0/{psid}?", StringComparison.Ordinal), reply);

    [Fact]
    public async Task Receive_NewCustomer_InboxShowsTheProfileNameAfterTheLookup()
    {
        var channel = await ChannelAsync();
        const string psid = "7300000000000001";
        RouteProfile(psid, _ => new FakeReply(200, ProfileJson(psid)));

        var response = await PostAsync(channel, Inbound("m_" + Guid.NewGuid().ToString("N"), psid, "Oi, sou nova por aqui."));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await fixture.WaitForContactNameAsync(channel.Id, "Maria Souza");
        var lookup = Assert.Single(fixture.Provider.RoutedRequests, r => r.PathAndQuery.StartsWith($"/v21.0/{psid}?", StringComparison.Ordinal));
        Assert.Equal(ProfilePath(psid), lookup.PathAndQuery);
        Assert.Equal("Maria Souza", Assert.Single(await fixture.MessagesAsync(channel.Id)).SenderName);
    }

    [Fact]
    public async Task Receive_ProfileLookupStillRunning_WebhookHasAlreadyAnsweredAndStoredTheMessage()
    {
        var channel = await ChannelAsync();
        const string psid = "7300000000000002";
        using var hold = new ManualResetEventSlim();
        RouteProfile(psid, _ =>
        {
            hold.Wait(TimeSpan.FromSeconds(30)); // Meta is slow: the webhook must not wait for it.
            return new FakeReply(200, ProfileJson(psid));
        });

        var response = await PostAsync(channel, Inbound("m_" + Guid.NewGuid().ToString("N"), psid, "Oi?"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await fixture.MessagesAsync(channel.Id));
        Assert.Equal(psid, Assert.Single(await fixture.ConversationsAsync(channel.Id)).Contact.Name);
        hold.Set();
        await fixture.WaitForContactNameAsync(channel.Id, "Maria Souza");
    }

    [Theory]
    [InlineData(500)]
    [InlineData(400)]
    public async Task Receive_ProfileLookupFails_ContactKeepsTheIdAndTheMessageIsKept(int status)
    {
        var failing = await ChannelAsync();
        var psid = $"73000000000{status}03";
        RouteProfile(psid, _ => new FakeReply(status, """{"error":{"message":"(#100) No profile available for that user","code":100}}"""));
        var named = await ChannelAsync();
        var otherPsid = $"73000000000{status}04";
        RouteProfile(otherPsid, _ => new FakeReply(200, ProfileJson(otherPsid)));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(failing, Inbound("m_" + Guid.NewGuid().ToString("N"), psid, "Oi"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(named, Inbound("m_" + Guid.NewGuid().ToString("N"), otherPsid, "Oi"))).StatusCode);

        // Lookups run in order: once the second contact is named, the first lookup has finished.
        await fixture.WaitForContactNameAsync(named.Id, "Maria Souza");
        Assert.Contains(fixture.Provider.RoutedRequests, r => r.PathAndQuery == ProfilePath(psid));
        Assert.Equal(psid, Assert.Single(await fixture.ConversationsAsync(failing.Id)).Contact.Name);
        Assert.Equal("Oi", Assert.Single(await fixture.MessagesAsync(failing.Id)).Content);
    }

    [Fact]
    public async Task Receive_AgentRenamedTheContactBeforeTheLookupAnswered_KeepsTheAgentsName()
    {
        var channel = await ChannelAsync();
        const string psid = "7300000000000005";
        using var hold = new ManualResetEventSlim();
        RouteProfile(psid, _ =>
        {
            hold.Wait(TimeSpan.FromSeconds(30));
            return new FakeReply(200, ProfileJson(psid));
        });
        var otherChannel = await ChannelAsync();
        const string otherPsid = "7300000000000006";
        RouteProfile(otherPsid, _ => new FakeReply(200, ProfileJson(otherPsid)));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, Inbound("m_" + Guid.NewGuid().ToString("N"), psid, "Oi"))).StatusCode);
        await fixture.Provider.WaitForRoutedRequestAsync(r => r.PathAndQuery == ProfilePath(psid));
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            var contactId = (await db.ContactIdentities.SingleAsync(i => i.ChannelId == channel.Id)).ContactId;
            await db.Contacts.Where(c => c.Id == contactId).ExecuteUpdateAsync(u => u.SetProperty(c => c.Name, "Cliente VIP"));
        }

        hold.Set();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(otherChannel, Inbound("m_" + Guid.NewGuid().ToString("N"), otherPsid, "Oi"))).StatusCode);
        await fixture.WaitForContactNameAsync(otherChannel.Id, "Maria Souza");

        Assert.Equal("Cliente VIP", Assert.Single(await fixture.ConversationsAsync(channel.Id)).Contact.Name);
    }

    [Fact]
    public async Task Verify_RightToken_EchoesTheChallengeAsPlainText()
    {
        var channel = await ChannelAsync();
        using var client = fixture.Client();

        var response = await client.GetAsync(
            $"webhooks/{Route}/{channel.PublicKey}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=918273645");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("918273645", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("subscribe", "wrong-token")]
    [InlineData("unsubscribe", VerifyToken)]
    [InlineData("subscribe", "")]
    public async Task Verify_WrongTokenOrMode_Returns403(string mode, string token)
    {
        var channel = await ChannelAsync();
        using var client = fixture.Client();

        var response = await client.GetAsync(
            $"webhooks/{Route}/{channel.PublicKey}?hub.mode={mode}&hub.verify_token={token}&hub.challenge=918273645");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("918273645", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Receive_UnknownKey_Returns404()
    {
        using var client = fixture.Client();

        var response = await client.PostAsync($"webhooks/{Route}/no-such-key", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Receive_SignedText_StartsConversationInTheInboxNamedBySenderId()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("m_AbCdEf123", "6543210987654321", "Oi, o pedido 4521 ainda não chegou."));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inbox = await fixture.App.Services.GetRequiredService<InboxQuery>().ListAsync(new InboxFilter { ChannelId = channel.Id });
        var item = Assert.Single(inbox.Items);
        Assert.Equal("6543210987654321", item.ContactName);
        Assert.Equal("Oi, o pedido 4521 ainda não chegou.", item.LastMessagePreview);
        await using var db = await fixture.Db.CreateDbContextAsync();
        var identity = await db.ContactIdentities.SingleAsync(i => i.ChannelId == channel.Id);
        Assert.Equal("6543210987654321", identity.ExternalId);
        var message = Assert.Single(await fixture.MessagesAsync(channel.Id));
        Assert.Equal("m_AbCdEf123", message.ExternalId);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.Forbidden)]
    [InlineData("not-a-signature", HttpStatusCode.Forbidden)]
    public async Task Receive_MissingOrBadSignature_IsRefusedAndStoresNothing(string? signature, HttpStatusCode expected)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("m_bad", "100200300", "Oi"), signature);

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SignedWithAnotherSecret_Returns403AndStoresNothing()
    {
        var channel = await ChannelAsync();
        var body = Inbound("m_other", "100200301", "Oi");

        var response = await PostAsync(channel, body, Signature(body, "someone-elses-secret"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SameMidTwice_StoresItOnce()
    {
        var channel = await ChannelAsync();
        var body = Inbound("m_dup-1", "100200302", "Oi");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, body)).StatusCode);

        Assert.Single(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_EchoOfOurOwnSend_Returns200AndStoresNothing()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("m_echo", "100200303", "Resposta da página", echo: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_TheOtherProductsObject_Returns400AndStoresNothing()
    {
        var channel = await ChannelAsync();
        var wrong = type == ChannelType.Instagram ? "page" : "instagram";

        var response = await PostAsync(channel, Inbound("m_wrong", "100200304", "Oi", objectName: wrong));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(wrong, await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"entry\":[]}")]
    [InlineData("{\"object\":\"OBJ\"}")]
    public async Task Receive_MalformedPayload_Returns400AndStoresNothing(string body)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body.Replace("OBJ", ObjectName));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"detail\"", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("{\"object\":\"OBJ\",\"entry\":[{\"id\":\"1\"}]}", "messaging")]
    [InlineData("{\"object\":\"OBJ\",\"entry\":[{\"messaging\":[{\"sender\":{\"id\":\"1\"},\"message\":{\"text\":\"sem mid\"}}]}]}", "message.mid")]
    [InlineData("{\"object\":\"OBJ\",\"entry\":[{\"messaging\":[{\"message\":{\"mid\":\"m_1\",\"text\":\"sem sender\"}}]}]}", "sender.id")]
    public async Task Receive_EventThatCannotBeUnderstood_Answers200AndIsKeptWithItsReason(string body, string field)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body.Replace("OBJ", ObjectName));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        Assert.Contains(field, Assert.Single(await fixture.UnprocessedAsync(channel.Id)).Reason);
    }

    [Fact]
    public async Task Receive_BodyOver256KB_Returns413AndStoresNothing()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("m_big", "100200306", new string('a', 300 * 1024)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_DeletedChannel_Returns410AndStoresNothing()
    {
        var channel = await ChannelAsync();
        await fixture.DeleteChannelAsync(channel.Id);

        var response = await PostAsync(channel, Inbound("m_deleted", "100200307", "Oi"));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_ChannelNotActive_Returns409AndStoresNothing()
    {
        var channel = await ChannelAsync(active: false);

        var response = await PostAsync(channel, Inbound("m_inactive", "100200305", "Oi"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Reply_PostsTheSendApiRequest_AndStoresTheMessageId()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel, "6543210987654321");
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("m_REPLY1"));

        var reply = await fixture.ReplyAsync(conversationId, "Vou verificar o pedido 4521.");

        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v21.0/{PageId}/messages?access_token={PageAccessToken}", request.PathAndQuery);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        Assert.StartsWith("application/json", request.ContentType);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal("6543210987654321", root.GetProperty("recipient").GetProperty("id").GetString());
        Assert.Equal("RESPONSE", root.GetProperty("messaging_type").GetString());
        Assert.Equal("Vou verificar o pedido 4521.", root.GetProperty("message").GetProperty("text").GetString());
        var sent = await fixture.WaitForMessageAsync(reply.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("m_REPLY1", sent.ExternalId);
    }

    [Fact]
    public async Task Reply_ProviderAnswers5xx_IsRetriedThenDelivered()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(503, """{"error":{"message":"Service temporarily unavailable","code":2}}"""));
        fixture.Provider.Enqueue(Accepted("m_AFTER-RETRY"));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, "Já verifico.");
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("m_AFTER-RETRY", sent.ExternalId);
        Assert.Equal(2, sent.DeliveryAttempts);
        Assert.Equal(before + 2, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task Reply_ProviderRefusesWithBadToken_FailsAtOnceWithTheReasonButNotTheToken()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(new FakeReply(400, """{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}"""));

        var failed = await fixture.ReplyAndWaitAsync(conversationId, "Oi?");
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Contains("Invalid OAuth access token.", failed.FailureReason);
        Assert.DoesNotContain(PageAccessToken, failed.FailureReason);
    }

    [Fact]
    public async Task Reply_After24HoursWithoutCustomerMessage_FailsNamingTheClosedWindowWithoutCallingMeta()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            await db.Conversations.Where(c => c.Id == conversationId)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastCustomerMessageAt, DateTime.UtcNow.AddHours(-25)));
        }

        var before = fixture.Provider.Requests.Count;
        Message reply;
        try
        {
            reply = await fixture.ReplyAsync(conversationId, "Ainda precisa de ajuda?");
        }
        catch (ConversationRuleException ex)
        {
            // The pipeline may already block free text outside the window; then nothing is queued at all.
            Assert.Contains("24 horas", ex.Message);
            Assert.Equal(before, fixture.Provider.Requests.Count);
            return;
        }

        var failed = await fixture.WaitForMessageAsync(reply.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(ReplyWindow.ClosedMessage, failed.FailureReason);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Equal(before, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task Sender_OutsideThe24HourWindow_RefusesPermanentlyWithoutCallingMeta()
    {
        var sender = fixture.App.Services.GetServices<IChannelSender>().Single(s => s.Type == type);
        FacebookSettings settings = type == ChannelType.Instagram ? new InstagramSettings() : new FacebookSettings();
        settings.PageId = PageId;
        settings.PageAccessToken = PageAccessToken;
        settings.ApiBaseUrl = fixture.Provider.BaseUrl;
        var before = fixture.Provider.Requests.Count;
        var delivery = new OutboundDelivery(1, Guid.NewGuid(), 1, "Oi", DateTime.UtcNow, 1, 1, Route, type,
            settings, "6543210987654321", "6543210987654321", LastCustomerMessageAt: DateTime.UtcNow.AddHours(-25));

        var result = await sender.SendAsync(delivery, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.True(result.Permanent);
        Assert.Equal(ReplyWindow.ClosedMessage, result.Error);
        Assert.Equal(before, fixture.Provider.Requests.Count);
    }

    /// <summary>Sends <paramref name="text"/> as a reply and returns the texts the provider received, after checking the first id was stored.</summary>
    protected async Task<List<string>> ReplyAndCollectPartsAsync(string text)
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.DefaultReply = _ => Accepted("m_PART" + Guid.NewGuid().ToString("N"));
        fixture.Provider.Enqueue(Accepted("m_PART-1"));
        try
        {
            var sent = await fixture.ReplyAndWaitAsync(conversationId, text);
            Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
            Assert.Equal("m_PART-1", sent.ExternalId);
            return fixture.Provider.Requests.Skip(before)
                .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("message").GetProperty("text").GetString()!).ToList();
        }
        finally
        {
            fixture.Provider.DefaultReply = _ => new FakeReply(500, "{}");
        }
    }
}

public class FacebookWebhookTests(ProviderFixture fixture) : MessengerWebhookTests(fixture, ChannelType.Facebook), IClassFixture<ProviderFixture>
{
    [Fact]
    public async Task Receipt_Delivery_MarksTheNamedMidsAndRepliesUpToTheWatermarkDelivered()
    {
        var channel = await ChannelAsync();
        var psid = "7100000000000001";
        var conversationId = await ReceiveAsync(channel, psid);
        var replies = await SentRepliesAsync(conversationId, "m_D1", "m_D2", "m_D3");

        // mids names the third reply; the watermark covers the first; the second is in neither.
        var response = await PostAsync(channel, Receipt(psid, "delivery",
            new { mids = new[] { "m_D3", "m_not-ours" }, watermark = WatermarkCovering(replies[0].SentAt) }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([DeliveryStatus.Delivered, DeliveryStatus.Sent, DeliveryStatus.Delivered], await StatesAsync(channel, replies));
    }

    [Fact]
    public async Task Receipt_ReadWatermark_MarksRepliesUpToItReadAndALaterDeliveryNeverDowngrades()
    {
        var channel = await ChannelAsync();
        var psid = "7100000000000002";
        var conversationId = await ReceiveAsync(channel, psid);
        var replies = await SentRepliesAsync(conversationId, "m_R1", "m_R2");

        var read = await PostAsync(channel, Receipt(psid, "read", new { watermark = WatermarkCovering(replies[0].SentAt) }));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal([DeliveryStatus.Read, DeliveryStatus.Sent], await StatesAsync(channel, replies));

        var delivery = await PostAsync(channel, Receipt(psid, "delivery",
            new { mids = new[] { "m_R1", "m_R2" }, watermark = WatermarkCovering(replies[1].SentAt) }));
        Assert.Equal(HttpStatusCode.OK, delivery.StatusCode);
        Assert.Equal([DeliveryStatus.Read, DeliveryStatus.Delivered], await StatesAsync(channel, replies));
    }

    [Fact]
    public async Task Receipt_WatermarkOfAnotherCustomer_LeavesThisConversationAlone()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel, "7100000000000003");
        var replies = await SentRepliesAsync(conversationId, "m_OTHER1");

        var response = await PostAsync(channel, Receipt("7100000000000999", "read", new { watermark = WatermarkCovering(replies[0].SentAt) }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([DeliveryStatus.Sent], await StatesAsync(channel, replies));
    }
    [Fact]
    public async Task Reply_LongerThan2000Characters_IsSplitIntoSeveralMessages()
    {
        var text = string.Join(' ', Enumerable.Range(0, 600).Select(i => $"item{i}")); // 4489 characters: three parts

        var parts = await ReplyAndCollectPartsAsync(text);

        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => Assert.True(p.Length <= FacebookSender.MaxTextLength));
        Assert.Equal(text, string.Join(' ', parts));
    }
}

public class InstagramWebhookTests(ProviderFixture fixture) : MessengerWebhookTests(fixture, ChannelType.Instagram), IClassFixture<ProviderFixture>
{
    [Fact]
    public async Task Receipt_SeenWithMid_MarksThatReplyAndTheEarlierOnesRead()
    {
        var channel = await ChannelAsync();
        var psid = "7200000000000001";
        var conversationId = await ReceiveAsync(channel, psid);
        var replies = await SentRepliesAsync(conversationId, "m_S1", "m_S2", "m_S3");

        // Instagram's messaging_seen: read{mid} names the last message the customer saw.
        var response = await PostAsync(channel, Receipt(psid, "read", new { mid = "m_S2" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([DeliveryStatus.Read, DeliveryStatus.Read, DeliveryStatus.Sent], await StatesAsync(channel, replies));
    }
    [Fact]
    public async Task Reply_Over1000Utf8Bytes_IsSplitByBytesAtWordBoundaries()
    {
        // 959 characters but 1439 bytes: a character count would send it whole and Instagram would refuse it.
        var text = string.Join(' ', Enumerable.Range(0, 120).Select(i => $"açãoçã{i % 10}"));
        Assert.True(text.Length < InstagramSender.MaxTextBytes);

        var parts = await ReplyAndCollectPartsAsync(text);

        Assert.True(parts.Count >= 2);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= InstagramSender.MaxTextBytes));
        Assert.Equal(text, string.Join(' ', parts));
    }

    [Fact]
    public async Task Reply_EmojiWithoutSpaces_IsCutByBytesWithoutBreakingACharacter()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 600)); // 2400 bytes, 4 each

        var parts = await ReplyAndCollectPartsAsync(text);

        Assert.Equal(3, parts.Count);
        Assert.All(parts, p =>
        {
            Assert.True(Encoding.UTF8.GetByteCount(p) <= InstagramSender.MaxTextBytes);
            Assert.DoesNotContain('\uFFFD', p);
            Assert.False(char.IsHighSurrogate(p[^1]));
            Assert.False(char.IsLowSurrogate(p[0]));
        });
        Assert.Equal(text, string.Concat(parts));
    }
}
