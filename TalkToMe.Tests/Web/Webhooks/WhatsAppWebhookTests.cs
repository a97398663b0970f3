using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Webhooks;

public class WhatsAppWebhookTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private const string AccessToken = "EAAG-whatsapp-access-token";
    private const string AppSecret = "meta-app-secret";
    private const string VerifyToken = "verify-me-please";
    private const string PhoneNumberId = "106540352242922";

    private static string Inbound(string wamid, string waId, string text, string name = "João Pereira") =>
        Messages(waId, name, new { from = waId, id = wamid, timestamp = "1790000000", type = "text", text = new { body = text } });

    /// <summary>The customer picked a row of a list we sent: Meta's <c>interactive.list_reply</c>, with the list's wamid as context.</summary>
    private static string ListReply(string wamid, string waId, string listWamid, string rowId, string title, string name = "João Pereira") =>
        Messages(waId, name, new
        {
            context = new { from = "15550783881", id = listWamid },
            from = waId,
            id = wamid,
            timestamp = "1790000200",
            type = "interactive",
            interactive = new { type = "list_reply", list_reply = new { id = rowId, title } },
        });

    private static string Messages(string waId, string name, object message) =>
        JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = "102290129340398",
                    changes = new[]
                    {
                        new
                        {
                            field = "messages",
                            value = new
                            {
                                messaging_product = "whatsapp",
                                metadata = new { display_phone_number = "15550783881", phone_number_id = PhoneNumberId },
                                contacts = new[] { new { profile = new { name }, wa_id = waId } },
                                messages = new[] { message },
                            },
                        },
                    },
                },
            },
        });

    private static string Status(string wamid, string status, string? errorTitle = null, int errorCode = 0) =>
        JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = "102290129340398",
                    changes = new[]
                    {
                        new
                        {
                            field = "messages",
                            value = new
                            {
                                messaging_product = "whatsapp",
                                metadata = new { display_phone_number = "15550783881", phone_number_id = PhoneNumberId },
                                statuses = new[]
                                {
                                    new
                                    {
                                        id = wamid,
                                        status,
                                        timestamp = "1790000100",
                                        recipient_id = "5511998765432",
                                        errors = errorTitle is null ? Array.Empty<object>() : [new { code = errorCode, title = errorTitle }],
                                    },
                                },
                            },
                        },
                    },
                },
            },
        });

    private async Task<Channel> ChannelAsync(bool active = true) =>
        await fixture.AddChannelAsync(ChannelType.WhatsApp, new WhatsAppSettings
        {
            PhoneNumberId = PhoneNumberId,
            BusinessAccountId = "102290129340398",
            AccessToken = AccessToken,
            AppSecret = AppSecret,
            VerifyToken = VerifyToken,
            ApiBaseUrl = fixture.Provider.BaseUrl,
            ApiVersion = "v21.0",
        }, active);

    private static string Signature(string body, string secret = AppSecret) =>
        "sha256=" + WhatsAppWebhook.Sign(secret, Encoding.UTF8.GetBytes(body));

    private Task<HttpResponseMessage> PostAsync(Channel channel, string body, string? signature = "") =>
        fixture.PostWebhookAsync($"webhooks/whatsapp/{channel.PublicKey}", ProviderFixture.Json(body), WhatsAppWebhook.SignatureHeader,
            signature?.Length == 0 ? Signature(body) : signature);

    private async Task<int> ReceiveAsync(Channel channel, string waId = "5511998765432")
    {
        var response = await PostAsync(channel, Inbound("wamid." + Guid.NewGuid().ToString("N"), waId, "Bom dia, o pedido 4521 não chegou."));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;
    }

    private static FakeReply Accepted(string wamid) => new(200,
        $$"""{"messaging_product":"whatsapp","contacts":[{"input":"5511998765432","wa_id":"5511998765432"}],"messages":[{"id":"{{wamid}}"}]}""");

    [Fact]
    public async Task Verify_RightToken_EchoesTheChallengeAsPlainText()
    {
        var channel = await ChannelAsync();
        using var client = fixture.Client();

        var response = await client.GetAsync(
            $"webhooks/whatsapp/{channel.PublicKey}?hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=1158201444");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1158201444", await response.Content.ReadAsStringAsync());
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
            $"webhooks/whatsapp/{channel.PublicKey}?hub.mode={mode}&hub.verify_token={token}&hub.challenge=1158201444");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("1158201444", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Receive_SignedText_StartsConversationInTheInboxWithTheProfileName()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            "5511998765432", "Bom dia, o pedido 4521 ainda não chegou."));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inbox = await fixture.App.Services.GetRequiredService<InboxQuery>().ListAsync(new InboxFilter { ChannelId = channel.Id });
        var item = Assert.Single(inbox.Items);
        Assert.Equal("João Pereira", item.ContactName);
        Assert.Equal("Bom dia, o pedido 4521 ainda não chegou.", item.LastMessagePreview);
        await using var db = await fixture.Db.CreateDbContextAsync();
        var identity = await db.ContactIdentities.Include(i => i.Contact).SingleAsync(i => i.ChannelId == channel.Id);
        Assert.Equal("5511998765432", identity.ExternalId);
        Assert.Equal("+5511998765432", identity.Contact.Phone);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.Forbidden)]
    [InlineData("not-a-signature", HttpStatusCode.Forbidden)]
    public async Task Receive_MissingOrBadSignature_IsRefusedAndStoresNothing(string? signature, HttpStatusCode expected)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Inbound("wamid.bad", "5511900000000", "Oi"), signature);

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SignedWithAnotherSecret_Returns403AndStoresNothing()
    {
        var channel = await ChannelAsync();
        var body = Inbound("wamid.other", "5511900000001", "Oi");

        var response = await PostAsync(channel, body, Signature(body, "someone-elses-secret"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SameWamidTwice_StoresItOnce()
    {
        var channel = await ChannelAsync();
        var body = Inbound("wamid.dup-1", "5511900000002", "Oi");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, body)).StatusCode);

        Assert.Single(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"object\":\"whatsapp_business_account\"}")]
    public async Task Receive_MalformedPayload_Returns400AndStoresNothing(string body)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"detail\"", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("{\"entry\":[{\"changes\":[{\"value\":{\"messages\":[{\"id\":\"wamid.x\",\"type\":\"text\",\"text\":{\"body\":\"sem from\"}}]}}]}]}", "from")]
    [InlineData("{\"entry\":[{\"changes\":[{\"value\":{\"messages\":[{\"from\":\"55\",\"id\":\"wamid.y\",\"type\":\"text\",\"text\":{}}]}}]}]}", "text.body")]
    public async Task Receive_MessageThatCannotBeUnderstood_Answers200SoMetaStopsAndIsKeptWithItsReason(string body, string field)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        var kept = Assert.Single(await fixture.UnprocessedAsync(channel.Id));
        Assert.Contains(field, kept.Reason);
        Assert.StartsWith("{", kept.Payload);
    }

    [Fact]
    public async Task Receive_ChannelNotActive_Returns409AndStoresNothing()
    {
        var channel = await ChannelAsync(active: false);

        var response = await PostAsync(channel, Inbound("wamid.inactive", "5511900000003", "Oi"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Reply_PostsTheCloudApiRequest_AndStoresTheWamid()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel, "5511998765432");
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("wamid.REPLY1"));

        var reply = await fixture.ReplyAsync(conversationId, "Vou verificar o pedido 4521.");

        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v21.0/{PhoneNumberId}/messages", request.PathAndQuery);
        Assert.Equal($"Bearer {AccessToken}", request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.ContentType);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal("whatsapp", root.GetProperty("messaging_product").GetString());
        Assert.Equal("individual", root.GetProperty("recipient_type").GetString());
        Assert.Equal("5511998765432", root.GetProperty("to").GetString());
        Assert.Equal("text", root.GetProperty("type").GetString());
        Assert.Equal("Vou verificar o pedido 4521.", root.GetProperty("text").GetProperty("body").GetString());
        var sent = await fixture.WaitForMessageAsync(reply.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("wamid.REPLY1", sent.ExternalId);
    }

    [Fact]
    public async Task Reply_ProviderAnswers5xx_IsRetriedThenDelivered()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(503, """{"error":{"message":"Service temporarily unavailable","code":2}}"""));
        fixture.Provider.Enqueue(Accepted("wamid.AFTER-RETRY"));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, "Já verifico.");
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("wamid.AFTER-RETRY", sent.ExternalId);
        Assert.Equal(2, sent.DeliveryAttempts);
        Assert.Equal(before + 2, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task StatusCallbacks_MoveTheReplyToDeliveredThenRead()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(Accepted("wamid.STATUS1"));
        var reply = await fixture.ReplyAndWaitAsync(conversationId, "Pedido enviado hoje.", m => m.DeliveryStatus == DeliveryStatus.Sent);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, Status("wamid.STATUS1", "delivered"))).StatusCode);
        Assert.Equal(DeliveryStatus.Delivered, (await fixture.MessagesAsync(channel.Id)).Single(m => m.Id == reply.Id).DeliveryStatus);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, Status("wamid.STATUS1", "read"))).StatusCode);
        // A late "delivered" never moves it back.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, Status("wamid.STATUS1", "delivered"))).StatusCode);
        Assert.Equal(DeliveryStatus.Read, (await fixture.MessagesAsync(channel.Id)).Single(m => m.Id == reply.Id).DeliveryStatus);
    }

    [Fact]
    public async Task StatusCallback_Failed_MarksTheReplyFailedWithMetasReason()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(Accepted("wamid.STATUS2"));
        var reply = await fixture.ReplyAndWaitAsync(conversationId, "Olá?", m => m.DeliveryStatus == DeliveryStatus.Sent);

        var response = await PostAsync(channel, Status("wamid.STATUS2", "failed", "Message undeliverable", 131026));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var failed = (await fixture.MessagesAsync(channel.Id)).Single(m => m.Id == reply.Id);
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal("Message undeliverable (131026)", failed.FailureReason);
    }

    [Fact]
    public async Task StatusCallback_WithBadSignature_ChangesNothing()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(Accepted("wamid.STATUS3"));
        var reply = await fixture.ReplyAndWaitAsync(conversationId, "Olá?", m => m.DeliveryStatus == DeliveryStatus.Sent);

        var body = Status("wamid.STATUS3", "failed", "Spoofed", 1);
        var response = await PostAsync(channel, body, Signature(body, "not-the-app-secret"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(DeliveryStatus.Sent, (await fixture.MessagesAsync(channel.Id)).Single(m => m.Id == reply.Id).DeliveryStatus);
    }

    [Fact]
    public async Task Reply_LongerThan4096Characters_IsSplitIntoSeveralMessages()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        var text = string.Join(' ', Enumerable.Range(0, 1200).Select(i => $"item{i}")); // 9689 characters: three parts
        fixture.Provider.DefaultReply = r => Accepted("wamid.PART" + Guid.NewGuid().ToString("N"));
        fixture.Provider.Enqueue(Accepted("wamid.PART-1"));

        try
        {
            var sent = await fixture.ReplyAndWaitAsync(conversationId, text);
            Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
            Assert.Equal("wamid.PART-1", sent.ExternalId);
            var bodies = fixture.Provider.Requests.Skip(before)
                .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetProperty("body").GetString()!).ToList();
            Assert.Equal(3, bodies.Count);
            Assert.All(bodies, b => Assert.True(b.Length <= WhatsAppSender.MaxTextLength));
            Assert.Equal(text, string.Join(' ', bodies));
        }
        finally
        {
            fixture.Provider.DefaultReply = _ => new FakeReply(500, "{}");
        }
    }

    [Fact]
    public async Task Reply_After24HoursWithoutCustomerMessage_FailsNamingTheClosedWindowWithoutCallingMeta()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            // The customer's last message was 25 hours ago.
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
        var sender = fixture.App.Services.GetServices<IChannelSender>().Single(s => s.Type == ChannelType.WhatsApp);
        var settings = new WhatsAppSettings
        {
            PhoneNumberId = PhoneNumberId, AccessToken = AccessToken, AppSecret = AppSecret, ApiBaseUrl = fixture.Provider.BaseUrl,
        };
        var before = fixture.Provider.Requests.Count;
        var delivery = new OutboundDelivery(1, Guid.NewGuid(), 1, "Oi", DateTime.UtcNow, 1, 1, "WhatsApp", ChannelType.WhatsApp,
            settings, "5511998765432", "João", LastCustomerMessageAt: DateTime.UtcNow.AddHours(-25));

        var result = await sender.SendAsync(delivery, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.True(result.Permanent);
        Assert.Equal(ReplyWindow.ClosedMessage, result.Error);
        Assert.Equal(before, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task Reply_MetaRefusesWithWindowClosed_FailsAtOnceNamingTheWindow()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(new FakeReply(400, """
            {"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
            "error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}}
            """));

        var failed = await fixture.ReplyAndWaitAsync(conversationId, "Oi?");
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Equal(ReplyWindow.ClosedMessage, failed.FailureReason);
    }

    [Fact]
    public async Task Reply_MetaThrottles_IsRetriedThenDelivered()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(new FakeReply(400, """{"error":{"message":"(#131056) Pair rate limit hit","code":131056}}"""));
        fixture.Provider.Enqueue(Accepted("wamid.AFTER-THROTTLE"));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, "Oi?");
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("wamid.AFTER-THROTTLE", sent.ExternalId);
    }

    /// <summary>A channel whose exit flow asks for an "Avaliação", then thanks the customer.</summary>
    private async Task<Channel> ChannelWithRatingAsync()
    {
        var channel = await ChannelAsync();
        await using var db = await fixture.Db.CreateDbContextAsync();
        var exit = new Flow("Pesquisa " + Guid.NewGuid().ToString("N")[..8], DateTime.UtcNow);
        exit.ReplaceSteps([
            new FlowStep(FlowStepType.Rating, "Como foi o atendimento, {{nome}}?"),
            new FlowStep(FlowStepType.Message, "Obrigado pela avaliação!"),
        ]);
        db.Flows.Add(exit);
        await db.SaveChangesAsync();
        (await db.Channels.SingleAsync(c => c.Id == channel.Id)).SetFlows(null, exit.Id);
        await db.SaveChangesAsync();
        return channel;
    }

    private static void AssertRatingList(RecordedRequest request, string question)
    {
        Assert.Equal($"/v21.0/{PhoneNumberId}/messages", request.PathAndQuery);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal("whatsapp", root.GetProperty("messaging_product").GetString());
        Assert.Equal("individual", root.GetProperty("recipient_type").GetString());
        Assert.Equal("5511998765432", root.GetProperty("to").GetString());
        Assert.Equal("interactive", root.GetProperty("type").GetString());
        Assert.False(root.TryGetProperty("text", out _));
        var interactive = root.GetProperty("interactive");
        Assert.Equal("list", interactive.GetProperty("type").GetString());
        Assert.Equal(question, interactive.GetProperty("body").GetProperty("text").GetString());
        Assert.Equal("Responda de 1 a 5.", interactive.GetProperty("footer").GetProperty("text").GetString());
        var action = interactive.GetProperty("action");
        Assert.Equal("Avaliar", action.GetProperty("button").GetString());
        var section = Assert.Single(action.GetProperty("sections").EnumerateArray());
        Assert.True(section.GetProperty("title").GetString()!.Length <= 24);
        var rows = section.GetProperty("rows").EnumerateArray()
            .Select(r => (Id: r.GetProperty("id").GetString()!, Title: r.GetProperty("title").GetString()!)).ToList();
        Assert.Equal(
            [("avaliacao:1", "1 - Péssimo"), ("avaliacao:2", "2 - Ruim"), ("avaliacao:3", "3 - Regular"), ("avaliacao:4", "4 - Bom"),
                ("avaliacao:5", "5 - Ótimo")],
            rows);
        Assert.All(rows, r => Assert.True(r.Title.Length <= 24 && r.Id.Length <= 200));
    }

    [Fact]
    public async Task Sender_RatingQuestion_PostsAnInteractiveListOfTheFiveScores()
    {
        var sender = fixture.App.Services.GetServices<IChannelSender>().Single(s => s.Type == ChannelType.WhatsApp);
        var settings = new WhatsAppSettings
        {
            PhoneNumberId = PhoneNumberId, AccessToken = AccessToken, AppSecret = AppSecret, ApiBaseUrl = fixture.Provider.BaseUrl,
            ApiVersion = "v21.0",
        };
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("wamid.LIST1"));
        var delivery = new OutboundDelivery(1, Guid.NewGuid(), 1,
            "Como foi o atendimento?\n1 - Péssimo\n2 - Ruim\n3 - Regular\n4 - Bom\n5 - Ótimo\nResponda de 1 a 5.", DateTime.UtcNow, 1, 1,
            "WhatsApp", ChannelType.WhatsApp, settings, "5511998765432", "João", LastCustomerMessageAt: DateTime.UtcNow.AddHours(-1),
            RatingQuestion: "Como foi o atendimento?");

        var result = await sender.SendAsync(delivery, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("wamid.LIST1", result.ProviderMessageId);
        var request = Assert.Single((await fixture.Provider.WaitForRequestsAsync(before + 1)).Skip(before));
        Assert.Equal($"Bearer {AccessToken}", request.Headers["Authorization"]);
        AssertRatingList(request, "Como foi o atendimento?");
    }

    [Fact]
    public async Task Sender_RatingQuestionOutsideThe24HourWindow_RefusesAsAnyFlowMessageWithoutCallingMeta()
    {
        var sender = fixture.App.Services.GetServices<IChannelSender>().Single(s => s.Type == ChannelType.WhatsApp);
        var settings = new WhatsAppSettings
        {
            PhoneNumberId = PhoneNumberId, AccessToken = AccessToken, AppSecret = AppSecret, ApiBaseUrl = fixture.Provider.BaseUrl,
        };
        var before = fixture.Provider.Requests.Count;
        var delivery = new OutboundDelivery(1, Guid.NewGuid(), 1, "Como foi?", DateTime.UtcNow, 1, 1, "WhatsApp", ChannelType.WhatsApp,
            settings, "5511998765432", "João", LastCustomerMessageAt: DateTime.UtcNow.AddHours(-25), RatingQuestion: "Como foi?");

        var result = await sender.SendAsync(delivery, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.True(result.Permanent);
        Assert.Equal(ReplyWindow.ClosedMessage, result.Error);
        Assert.Equal(before, fixture.Provider.Requests.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Receive_AnswerToTheExitFlowsRating_PickedFromTheListOrTyped_CompletesTheStepAndStoresTheScore(bool picked)
    {
        var channel = await ChannelWithRatingAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("wamid.RATING"));

        // The agent resolves: the exit flow asks for the rating as a list.
        await fixture.Commands.ResolveAsync(conversationId, Actor.System);

        AssertRatingList((await fixture.Provider.WaitForRequestsAsync(before + 1))[before], "Como foi o atendimento, João Pereira?");
        var question = (await fixture.MessagesAsync(channel.Id)).Single(m => m.SenderType == SenderType.Bot);
        question = await fixture.WaitForMessageAsync(question.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Sent, question.DeliveryStatus);
        Assert.Equal("wamid.RATING", question.ExternalId);
        // The agents read the question with its options, as a text channel's customer would.
        Assert.Equal("Como foi o atendimento, João Pereira?\n1 - Péssimo\n2 - Ruim\n3 - Regular\n4 - Bom\n5 - Ótimo\nResponda de 1 a 5.",
            question.Content);

        fixture.Provider.Enqueue(Accepted("wamid.THANKS"));
        var answerWamid = "wamid.ANSWER" + Guid.NewGuid().ToString("N");
        var body = picked
            ? ListReply(answerWamid, "5511998765432", "wamid.RATING", "avaliacao:4", "4 - Bom")
            : Inbound(answerWamid, "5511998765432", "4");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, body)).StatusCode);

        var conversation = Assert.Single(await fixture.ConversationsAsync(channel.Id));
        Assert.Equal(4, conversation.CsatScore);
        Assert.Equal(ConversationStatus.Resolved, conversation.Status);
        Assert.Null(conversation.FlowId);
        var messages = await fixture.MessagesAsync(channel.Id);
        var answer = messages.Single(m => m.ExternalId == answerWamid);
        Assert.Equal(MessageDirection.Incoming, answer.Direction);
        Assert.Equal(picked ? "4 - Bom" : "4", answer.Content);
        Assert.Contains(messages, m => m.Kind == MessageKind.Activity && m.ActivityData is { Kind: ActivityKind.Rated, Score: 4 });
        var thanks = messages.Single(m => m.SenderType == SenderType.Bot && m.Content == "Obrigado pela avaliação!");
        Assert.Null(thanks.RatingQuestion);
        Assert.Equal(DeliveryStatus.Sent, (await fixture.WaitForMessageAsync(thanks.Id, m => m.DeliveryStatus != DeliveryStatus.Pending)).DeliveryStatus);
    }

    [Fact]
    public async Task Receive_ListReplyOfAnotherList_IsStoredWithItsTitle()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, ListReply("wamid.OTHERLIST", "5511900000009", "wamid.X", "produto:42", "Camiseta azul"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Camiseta azul", Assert.Single(await fixture.MessagesAsync(channel.Id)).Content);
    }
}
