using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Webhooks;

public class TelegramWebhookTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private const string BotToken = "123456:ABC-bot-token";
    private const string Secret = "telegram-webhook-secret";

    private static string Update(long updateId, long chatId, string text, string firstName = "Maria", string lastName = "Silva") =>
        JsonSerializer.Serialize(new
        {
            update_id = updateId,
            message = new
            {
                message_id = 7,
                from = new { id = chatId, is_bot = false, first_name = firstName, last_name = lastName, username = "maria" },
                chat = new { id = chatId, type = "private" },
                date = 1_790_000_000,
                text,
            },
        });

    private async Task<Channel> ChannelAsync(bool active = true) =>
        await fixture.AddChannelAsync(ChannelType.Telegram, new TelegramSettings
        {
            BotToken = BotToken,
            WebhookSecretToken = Secret,
            ApiBaseUrl = fixture.Provider.BaseUrl,
        }, active);

    private Task<HttpResponseMessage> PostAsync(Channel channel, string body, string? secret = Secret) =>
        fixture.PostWebhookAsync($"webhooks/telegram/{channel.PublicKey}", ProviderFixture.Json(body), TelegramUpdate.SecretHeader, secret);

    private async Task<int> ReceiveAsync(Channel channel, long chatId = 884512)
    {
        var response = await PostAsync(channel, Update(Random.Shared.NextInt64(1, long.MaxValue / 2), chatId, "Olá, preciso de ajuda"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;
    }

    [Fact]
    public async Task Receive_TextWithRightSecret_StartsConversationInTheInbox()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Update(1001, 884512, "Qual o horário de atendimento?"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inbox = await fixture.App.Services.GetRequiredService<InboxQuery>().ListAsync(new InboxFilter { ChannelId = channel.Id });
        var item = Assert.Single(inbox.Items);
        Assert.Equal("Maria Silva", item.ContactName);
        Assert.Equal("Qual o horário de atendimento?", item.LastMessagePreview);
        var message = Assert.Single(await fixture.MessagesAsync(channel.Id));
        Assert.Equal("1001", message.ExternalId);
        Assert.Equal(MessageDirection.Incoming, message.Direction);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-secret")]
    public async Task Receive_MissingOrWrongSecret_Returns403AndStoresNothing(string? secret)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Update(2001, 1, "Oi"), secret);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        Assert.Empty(await fixture.ConversationsAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_SameUpdateTwice_StoresItOnce()
    {
        var channel = await ChannelAsync();
        var body = Update(3001, 42, "Oi de novo");

        var first = await PostAsync(channel, body);
        var second = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Single(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    public async Task Receive_BodyNotAnUpdateObject_Returns400AndStoresNothing(string body)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"detail\"", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("{\"message\":{\"chat\":{\"id\":1},\"text\":\"sem update_id\"}}", "update_id")]
    [InlineData("{\"update_id\":5,\"message\":{\"text\":\"sem chat\"}}", "message.chat.id")]
    public async Task Receive_UpdateThatCannotBeUnderstood_Answers200SoTelegramStopsAndIsKeptForTheAdmin(string body, string field)
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        var kept = Assert.Single(await fixture.UnprocessedAsync(channel.Id));
        Assert.Contains(field, kept.Reason);
        Assert.Equal(body, kept.Payload);
    }

    [Fact]
    public async Task Receive_ChannelNotActive_Returns409AndStoresNothing()
    {
        var channel = await ChannelAsync(active: false);

        var response = await PostAsync(channel, Update(4001, 1, "Oi"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Ativo", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_UnknownPublicKey_Returns404()
    {
        using var client = fixture.Client();
        var response = await client.PostAsync("webhooks/telegram/does-not-exist", new StringContent(Update(1, 1, "Oi")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Reply_PostsSendMessageToTheChat_AndStoresTelegramsMessageId()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel, chatId: 555001);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(200, """{"ok":true,"result":{"message_id":9876,"chat":{"id":555001},"text":"Olá!"}}"""));

        var reply = await fixture.ReplyAsync(conversationId, "Olá! Atendemos das 8h às 18h.");

        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/bot{BotToken}/sendMessage", request.PathAndQuery);
        Assert.StartsWith("application/json", request.ContentType);
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal(555001, json.RootElement.GetProperty("chat_id").GetInt64());
        Assert.Equal("Olá! Atendemos das 8h às 18h.", json.RootElement.GetProperty("text").GetString());
        var sent = await fixture.WaitForMessageAsync(reply.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("9876", sent.ExternalId);
    }

    [Fact]
    public async Task Reply_ProviderAnswers5xx_IsRetriedThenDelivered()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(502, "<html>Bad gateway</html>", "text/html"));
        fixture.Provider.Enqueue(new FakeReply(500, """{"ok":false,"error_code":500,"description":"Internal Server Error"}"""));
        fixture.Provider.Enqueue(new FakeReply(200, """{"ok":true,"result":{"message_id":31}}"""));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, "Já verifico.");
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("31", sent.ExternalId);
        Assert.Equal(3, sent.DeliveryAttempts);
        Assert.Equal(before + 3, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task Reply_RateLimited_WaitsRetryAfterBeforeTheNextAttempt()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(429,
            """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 2","parameters":{"retry_after":2}}"""));
        fixture.Provider.Enqueue(new FakeReply(200, """{"ok":true,"result":{"message_id":77}}"""));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, "Um momento.");
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var requests = fixture.Provider.Requests;
        // The configured back-off is 100 ms; Telegram asked for 2 s.
        Assert.True(requests[before + 1].ReceivedAt - requests[before].ReceivedAt >= TimeSpan.FromSeconds(1.9),
            $"retried after {(requests[before + 1].ReceivedAt - requests[before].ReceivedAt).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Reply_LongerThan4096Characters_IsSplitIntoSeveralMessagesInOrder()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        var before = fixture.Provider.Requests.Count;
        var paragraph = string.Join(' ', Enumerable.Repeat("palavra", 400)); // 3199 characters
        var text = paragraph + "\n\n" + paragraph + "\n\n" + paragraph;
        fixture.Provider.Enqueue(new FakeReply(200, """{"ok":true,"result":{"message_id":501}}"""));
        fixture.Provider.Enqueue(new FakeReply(200, """{"ok":true,"result":{"message_id":502}}"""));
        fixture.Provider.Enqueue(new FakeReply(200, """{"ok":true,"result":{"message_id":503}}"""));

        var sent = await fixture.ReplyAndWaitAsync(conversationId, text);
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("501", sent.ExternalId);
        var parts = fixture.Provider.Requests.Skip(before)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetString()!).ToList();
        Assert.Equal([paragraph, paragraph, paragraph], parts);
        Assert.All(parts, p => Assert.True(p.Length <= TelegramSender.MaxTextLength));
    }

    [Fact]
    public async Task Reply_UserBlockedTheBot_FailsAtOnceWithTelegramsReason()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveAsync(channel);
        fixture.Provider.Enqueue(new FakeReply(403, """{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"""));

        var failed = await fixture.ReplyAndWaitAsync(conversationId, "Oi?");
        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Contains("bot was blocked by the user", failed.FailureReason);
        Assert.DoesNotContain(BotToken, failed.FailureReason);
    }

    [Fact]
    public async Task Receive_BodyOver256KB_Returns413AndStoresNothing()
    {
        var channel = await ChannelAsync();

        var response = await PostAsync(channel, Update(6001, 1, new string('a', 300 * 1024)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_DeletedChannel_Returns410AndStoresNothing()
    {
        var channel = await ChannelAsync();
        await fixture.DeleteChannelAsync(channel.Id);

        var response = await PostAsync(channel, Update(7001, 1, "Oi"));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_EditedMessageUpdate_IsAcknowledgedWithoutStoringAnything()
    {
        var channel = await ChannelAsync();
        var body = """{"update_id":8001,"edited_message":{"message_id":3,"chat":{"id":1},"date":1790000000,"text":"editado"}}""";

        var response = await PostAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Rating_OnATextOnlyChannel_IsSentAsItsTextThoughMarkedAsARatingQuestion_AndATypedDigitAnswersIt()
    {
        var channel = await ChannelAsync();
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            var exit = new Flow("Pesquisa " + Guid.NewGuid().ToString("N")[..8], DateTime.UtcNow);
            exit.ReplaceSteps([new FlowStep(FlowStepType.Rating, "Como foi o atendimento, {{nome}}?")]);
            db.Flows.Add(exit);
            await db.SaveChangesAsync();
            (await db.Channels.SingleAsync(c => c.Id == channel.Id)).SetFlows(null, exit.Id);
            await db.SaveChangesAsync();
        }

        var conversationId = await ReceiveAsync(channel, chatId: 555077);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(200, """{"ok":true,"result":{"message_id":4321,"chat":{"id":555077}}}"""));

        await fixture.Commands.ResolveAsync(conversationId, Actor.System);

        const string text = "Como foi o atendimento, Maria Silva?\n1 - Péssimo\n2 - Ruim\n3 - Regular\n4 - Bom\n5 - Ótimo\nResponda de 1 a 5.";
        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        Assert.Equal($"/bot{BotToken}/sendMessage", request.PathAndQuery);
        using (var json = JsonDocument.Parse(request.Body))
        {
            Assert.Equal(text, json.RootElement.GetProperty("text").GetString());
            Assert.False(json.RootElement.TryGetProperty("reply_markup", out _));
        }

        var question = (await fixture.MessagesAsync(channel.Id)).Single(m => m.SenderType == SenderType.Bot);
        // The same mark WhatsApp renders as a list: every other sender ignores it and sends the text.
        Assert.Equal("Como foi o atendimento, Maria Silva?", question.RatingQuestion);
        Assert.Equal(text, question.Content);
        Assert.Equal(DeliveryStatus.Sent, (await fixture.WaitForMessageAsync(question.Id, m => m.DeliveryStatus != DeliveryStatus.Pending)).DeliveryStatus);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(channel, Update(Random.Shared.NextInt64(1, long.MaxValue / 2), 555077, "4"))).StatusCode);

        var conversation = Assert.Single(await fixture.ConversationsAsync(channel.Id));
        Assert.Equal(4, conversation.CsatScore);
        Assert.Equal(ConversationStatus.Resolved, conversation.Status);
    }
}
