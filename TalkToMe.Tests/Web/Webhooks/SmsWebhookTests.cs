using System.Net;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Webhooks;

public class SmsWebhookTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "twilio-auth-token";
    private const string FromNumber = "+5511400012345";

    private async Task<Channel> ChannelAsync(bool active = true, string statusCallbackUrl = "https://talktome.example/webhooks/sms/key") =>
        await fixture.AddChannelAsync(ChannelType.Sms, new TwilioSmsSettings
        {
            AccountSid = AccountSid,
            AuthToken = AuthToken,
            FromNumber = FromNumber,
            ApiBaseUrl = fixture.Provider.BaseUrl,
            StatusCallbackUrl = statusCallbackUrl,
        }, active);

    private static Dictionary<string, string> Incoming(string sid, string from, string body) => new()
    {
        ["ToCountry"] = "BR",
        ["SmsMessageSid"] = sid,
        ["NumMedia"] = "0",
        ["SmsSid"] = sid,
        ["SmsStatus"] = "received",
        ["Body"] = body,
        ["To"] = FromNumber,
        ["NumSegments"] = "1",
        ["MessageSid"] = sid,
        ["AccountSid"] = AccountSid,
        ["From"] = from,
        ["ApiVersion"] = "2010-04-01",
    };

    private Task<HttpResponseMessage> PostAsync(Channel channel, Dictionary<string, string> form, string? signature = "",
        string query = "")
    {
        var path = $"webhooks/sms/{channel.PublicKey}{query}";
        return fixture.PostWebhookAsync(path, new FormUrlEncodedContent(form), TwilioWebhook.SignatureHeader,
            signature?.Length == 0 ? TwilioWebhook.Sign(AuthToken, $"{fixture.App.BaseUrl}/{path}", form) : signature);
    }

    private async Task<int> ReceiveAsync(Channel channel, string from = "+5511987654321")
    {
        var response = await PostAsync(channel, Incoming("SM" + Guid.NewGuid().ToString("N"), from, "Quero remarcar minha consulta"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;
    }

    private static FakeReply Created(string sid) =>
        new(201, $$"""{"sid":"{{sid}}","status":"queued","to":"+5511987654321","from":"{{FromNumber}}","body":"…"}""");

    [Fact]
    public void Sign_MatchesTwiliosDocumentedExample()
    {
        // The example from Twilio's "Webhooks security" page.
        var parameters = new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE",
            ["Caller"] = "+12349013030",
            ["Digits"] = "1234",
            ["From"] = "+12349013030",
            ["To"] = "+18005551212",
        };

        var signature = TwilioWebhook.Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", parameters);

        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", signature);
    }

    [Fact]
    public async Task Receive_SignedSms_StartsConversationAndAnswersEmptyTwiml()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Incoming("SM1001", "+5511987654321", "Olá, quero remarcar"), query: "?source=twilio");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<Response></Response>", await response.Content.ReadAsStringAsync());
        var inbox = await fixture.App.Services.GetRequiredService<InboxQuery>().ListAsync(new InboxFilter { ChannelId = channel.Id });
        var item = Assert.Single(inbox.Items);
        Assert.Equal("+5511987654321", item.ContactName);
        Assert.Equal("Olá, quero remarcar", item.LastMessagePreview);
        Assert.Equal("SM1001", Assert.Single(await fixture.MessagesAsync(channel.Id)).ExternalId);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", HttpStatusCode.Forbidden)]
    public async Task Receive_MissingOrBadSignature_IsRefusedAndStoresNothing(string? signature, HttpStatusCode expected)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Incoming("SM2001", "+5511900000000", "Oi"), signature);

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_FieldChangedAfterSigning_Returns403AndStoresNothing()
    {
        var channel = await ChannelAsync();
        var form = Incoming("SM2002", "+5511900000001", "Oi");
        var path = $"webhooks/sms/{channel.PublicKey}";
        var signature = TwilioWebhook.Sign(AuthToken, $"{fixture.App.BaseUrl}/{path}", form);
        form["Body"] = "Texto trocado";

        var response = await PostAsync(channel, form, signature);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SameMessageSidTwice_StoresItOnce()
    {
        var channel = await ChannelAsync();
        var form = Incoming("SM3001", "+5511900000002", "Oi");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, form)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, form)).StatusCode);

        Assert.Single(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SignedButWithoutMessageSidOrBody_IsAcknowledgedAndKeptForTheAdmin_AndStoresNoMessage()
    {
        var channel = await ChannelAsync();
        var noSid = Incoming("SM4001", "+5511900000003", "Oi");
        noSid.Remove("MessageSid");
        noSid.Remove("SmsSid");
        noSid.Remove("SmsMessageSid");
        var noBody = Incoming("SM4002", "+5511900000003", "");

        // Twilio signed them: refusing would only fill its error log, so they are acknowledged and shown on the channel page.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, noSid)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, noBody)).StatusCode);

        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        var kept = await fixture.App.Services.GetRequiredService<UnprocessedDeliveryService>().ListAsync(channel.Id);
        Assert.Equal(2, kept.Count);
        Assert.Contains(kept, d => d.Reason.Contains("MessageSid") && d.Payload.Contains("+5511900000003") && !d.Payload.Contains("SM4001"));
        Assert.Contains(kept, d => d.Reason.Contains("Body") && d.Payload.Contains("SM4002"));
        Assert.DoesNotContain(kept, d => d.Payload.Contains(AuthToken));
    }

    [Fact]
    public async Task Receive_UnsignedMalformedForm_IsRefusedAndKeepsNothing()
    {
        var channel = await ChannelAsync();
        var noBody = Incoming("SM4003", "+5511900000003", "");

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(channel, noBody, signature: "not-the-signature")).StatusCode);

        Assert.Empty(await fixture.App.Services.GetRequiredService<UnprocessedDeliveryService>().ListAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_ChannelNotActive_Returns409AndStoresNothing()
    {
        var channel = await ChannelAsync(active: false);

        var response = await PostAsync(channel, Incoming("SM5001", "+5511900000004", "Oi"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Reply_PostsMessagesJsonWithBasicAuth_AndStoresTheSid()
    {
        var channel = await ChannelAsync(statusCallbackUrl: "https://talktome.example/webhooks/sms/abc");
        var conversationId = await ReceiveAsync(channel, "+5511987650000");
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Created("SM9f8e7d"));

        var reply = await fixture.ReplyAsync(conversationId, "Claro! Qual o melhor dia?");

        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Messages.json", request.PathAndQuery);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), request.Headers["Authorization"]);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType);
        var form = QueryHelpers.ParseQuery(request.Body);
        Assert.Equal("+5511987650000", form["To"].ToString());
        Assert.Equal(FromNumber, form["From"].ToString());
        Assert.Equal("Claro! Qual o melhor dia?", form["Body"].ToString());
        Assert.Equal("https://talktome.example/webhooks/sms/abc", form["StatusCallback"].ToString());
        var sent = await fixture.WaitForMessageAsync(reply.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("SM9f8e7d", sent.ExternalId);
    }

    [Fact]
    public async Task Reply_ProviderAnswers5xx_IsRetriedThenDelivered()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(500, """{"code":20500,"message":"Internal Server Error","status":500}"""));
        fixture.Provider.Enqueue(Created("SMretried"));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, "Um momento.");
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("SMretried", sent.ExternalId);
        Assert.Equal(before + 2, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task Reply_InvalidNumber_FailsAtOnceWithTwiliosReason()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(new FakeReply(400,
            """{"code":21211,"message":"The 'To' number +55 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"""));

        var failed = await fixture.ReplyAndWaitAsync(conversationId, "Oi");
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Contains("not a valid phone number", failed.FailureReason);
        Assert.DoesNotContain(AuthToken, failed.FailureReason);
    }

    [Fact]
    public async Task StatusCallbacks_UpdateTheReplysDeliveryState()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(Created("SMstatus1"));
        var reply = await fixture.ReplyAndWaitAsync(conversationId, "Confirmado para sexta.", m => m.DeliveryStatus == DeliveryStatus.Sent);
        Dictionary<string, string> Callback(string status, string? error = null)
        {
            var form = new Dictionary<string, string>
            {
                ["MessageSid"] = "SMstatus1", ["SmsSid"] = "SMstatus1", ["AccountSid"] = AccountSid, ["MessageStatus"] = status,
                ["SmsStatus"] = status, ["To"] = "+5511987654321", ["From"] = FromNumber, ["ApiVersion"] = "2010-04-01",
            };
            if (error is not null)
            {
                form["ErrorCode"] = error;
            }

            return form;
        }

        var delivered = await PostAsync(channel, Callback("delivered"));
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(DeliveryStatus.Delivered, (await fixture.MessagesAsync(channel.Id)).Single(m => m.Id == reply.Id).DeliveryStatus);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, Callback("undelivered", "30003"))).StatusCode);
        var failed = (await fixture.MessagesAsync(channel.Id)).Single(m => m.Id == reply.Id);
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal("Twilio: não entregue (erro 30003)", failed.FailureReason);
    }

    [Fact]
    public async Task Reply_LongerThan1600Characters_IsSplitIntoSeveralSms()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        var text = string.Join(' ', Enumerable.Repeat("remarcação", 300)); // 3299 characters: three parts
        fixture.Provider.Enqueue(Created("SMpart1"));
        fixture.Provider.Enqueue(Created("SMpart2"));
        fixture.Provider.Enqueue(Created("SMpart3"));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, text);
        Assert.Equal("SMpart1", sent.ExternalId);
        var bodies = fixture.Provider.Requests.Skip(before).Select(r => QueryHelpers.ParseQuery(r.Body)["Body"].ToString()).ToList();
        Assert.Equal(3, bodies.Count);
        Assert.All(bodies, b => Assert.True(b.Length <= TwilioSmsSender.MaxTextLength));
        Assert.Equal(text, string.Join(' ', bodies));
    }
}
