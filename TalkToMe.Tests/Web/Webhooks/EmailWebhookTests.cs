using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Webhooks;

public class EmailWebhookTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>, IAsyncLifetime
{
    private const string Password = "postmark-inbound-password";
    private const string SigningKey = "key-mailgun-signing-0123456789";
    private const string Support = "suporte@loja.example";
    private const string Customer = "maria@cliente.example";

    private SmtpSink _smtp = null!;

    public Task InitializeAsync()
    {
        _smtp = new SmtpSink();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private async Task<Channel> ChannelAsync(InboundEmailProvider provider = InboundEmailProvider.Postmark, bool active = true) =>
        await fixture.AddChannelAsync(ChannelType.Email, new EmailSettings
        {
            EmailAddress = Support,
            FromName = "Loja Suporte",
            SmtpHost = "127.0.0.1",
            SmtpPort = _smtp.Port,
            SmtpUseTls = false,
            InboundProvider = provider,
            InboundWebhookPassword = Password,
            MailgunSigningKey = SigningKey,
        }, active);

    private static string Postmark(string messageId, string subject, string text, string? inReplyTo = null, string? references = null,
        string from = Customer, string? stripped = null)
    {
        var headers = new List<object> { new { Name = "Message-ID", Value = messageId } };
        if (inReplyTo is not null)
        {
            headers.Add(new { Name = "In-Reply-To", Value = inReplyTo });
        }

        if (references is not null)
        {
            headers.Add(new { Name = "References", Value = references });
        }

        return JsonSerializer.Serialize(new
        {
            FromFull = new { Email = from, Name = "Maria Souza" },
            From = from,
            To = Support,
            Subject = subject,
            MessageID = Guid.NewGuid().ToString(),
            TextBody = text,
            HtmlBody = $"<p>{text}</p>",
            StrippedTextReply = stripped ?? "",
            Headers = headers,
        });
    }

    private Task<HttpResponseMessage> PostPostmarkAsync(Channel channel, string body, string? password = Password) =>
        fixture.PostWebhookAsync($"webhooks/email/{channel.PublicKey}", ProviderFixture.Json(body), "Authorization",
            password is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("postmark:" + password)));

    private static Dictionary<string, string> Mailgun(string messageId, string subject, string text, DateTimeOffset? at = null,
        string key = SigningKey)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var token = Guid.NewGuid().ToString("N");
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
        var signature = Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(timestamp + token)));
        return new Dictionary<string, string>
        {
            ["sender"] = Customer,
            ["from"] = $"Maria Souza <{Customer}>",
            ["recipient"] = Support,
            ["subject"] = subject,
            ["body-plain"] = text + "\n\n> mensagem anterior citada",
            ["stripped-text"] = text,
            ["message-headers"] = JsonSerializer.Serialize(new[] { new[] { "Message-Id", messageId }, new[] { "Subject", subject } }),
            ["timestamp"] = timestamp,
            ["token"] = token,
            ["signature"] = signature,
        };
    }

    private Task<HttpResponseMessage> PostMailgunAsync(Channel channel, Dictionary<string, string> fields) =>
        fixture.PostWebhookAsync($"webhooks/email/{channel.PublicKey}", new FormUrlEncodedContent(fields));

    private async Task<int> ReceiveFirstMailAsync(Channel channel, string messageId = "<first-1@cliente.example>")
    {
        var response = await PostPostmarkAsync(channel, Postmark(messageId, "Pedido 123 atrasado", "Meu pedido 123 não chegou.",
            references: "<older-0@cliente.example>"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;
    }

    private async Task<Message> ReplyAndWaitAsync(int conversationId, string text)
    {
        return await fixture.ReplyAndWaitAsync(conversationId, text);
    }

    [Fact]
    public async Task Receive_PostmarkMailWithRightPassword_StartsConversationWithTheStrippedReply()
    {
        var channel = await ChannelAsync();

        var response = await PostPostmarkAsync(channel, Postmark("<a1@cliente.example>", "Dúvida sobre frete", "Qual o prazo?\n\n> citação antiga",
            stripped: "Qual o prazo?"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conversation = Assert.Single(await fixture.ConversationsAsync(channel.Id));
        Assert.Equal("Dúvida sobre frete", conversation.Subject);
        Assert.Equal("Maria Souza", conversation.Contact.Name);
        var message = Assert.Single(await fixture.MessagesAsync(channel.Id));
        Assert.Equal("Qual o prazo?", message.Content);
        Assert.Equal("<a1@cliente.example>", message.ExternalId);
    }

    [Fact]
    public async Task Receive_PostmarkWithoutAuth_Returns401AndStoresNothing()
    {
        var channel = await ChannelAsync();

        var response = await PostPostmarkAsync(channel, Postmark("<b1@cliente.example>", "Oi", "Oi"), password: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("")]
    public async Task Receive_PostmarkWithWrongPassword_Returns403AndStoresNothing(string password)
    {
        var channel = await ChannelAsync();

        var response = await PostPostmarkAsync(channel, Postmark("<c1@cliente.example>", "Oi", "Oi"), password);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        Assert.Empty(await fixture.ConversationsAsync(channel.Id));
    }

    [Fact]
    public async Task Reply_ReachesTheCustomersMailbox_WithThreadingHeaders()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveFirstMailAsync(channel, "<first-2@cliente.example>");

        var sent = await ReplyAndWaitAsync(conversationId, "Olá Maria, seu pedido sai hoje.");

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var mail = Assert.Single(await _smtp.WaitForMailsAsync(1));
        Assert.Equal(Support, mail.MailFrom);
        Assert.Equal([Customer], mail.RcptTo);
        Assert.Contains(Support, mail.Header("From"));
        Assert.Contains("Loja Suporte", mail.Header("From"));
        Assert.Contains(Customer, mail.Header("To"));
        Assert.Equal("Re: Pedido 123 atrasado", mail.Header("Subject"));
        Assert.Equal(sent.ExternalId, mail.Header("Message-ID"));
        Assert.Matches(@"^<[0-9a-f]{32}@loja\.example>$", sent.ExternalId);
        Assert.Equal("<first-2@cliente.example>", mail.Header("In-Reply-To"));
        Assert.Contains("<first-2@cliente.example>", mail.Header("References"));
        Assert.Contains("Olá Maria, seu pedido sai hoje.", mail.Body);
    }

    [Fact]
    public async Task Receive_ReplyWithInReplyToOurMail_LandsInTheSameConversation()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveFirstMailAsync(channel, "<first-3@cliente.example>");
        var sent = await ReplyAndWaitAsync(conversationId, "Pode confirmar o endereço?");
        await fixture.Commands.ResolveAsync(conversationId, new Actor(null, "Ana"));

        var response = await PostPostmarkAsync(channel, Postmark("<second-3@cliente.example>", "Re: Pedido 123 atrasado",
            "Rua das Flores, 10", inReplyTo: sent.ExternalId, references: $"<first-3@cliente.example> {sent.ExternalId}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conversation = Assert.Single(await fixture.ConversationsAsync(channel.Id));
        Assert.Equal(conversationId, conversation.Id);
        Assert.Equal(ConversationStatus.Open, conversation.Status);
        Assert.Equal(3, (await fixture.MessagesAsync(channel.Id)).Count(m => m.Kind == MessageKind.Text));

        // The next answer replies to the customer's latest mail and keeps the whole thread in References.
        await ReplyAndWaitAsync(conversationId, "Obrigada!");
        var second = (await _smtp.WaitForMailsAsync(2))[1];
        Assert.Equal("<second-3@cliente.example>", second.Header("In-Reply-To"));
        Assert.Equal($"<first-3@cliente.example> {sent.ExternalId} <second-3@cliente.example>", second.Header("References"));
        Assert.Equal("Re: Pedido 123 atrasado", second.Header("Subject"));
    }

    [Fact]
    public async Task Receive_NewSubjectFromTheSameSenderWithoutThreadHeaders_StartsANewConversation()
    {
        var channel = await ChannelAsync();
        var first = await ReceiveFirstMailAsync(channel, "<first-4@cliente.example>");

        var response = await PostPostmarkAsync(channel, Postmark("<other-4@cliente.example>", "Troca de produto", "Quero trocar um item."));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conversations = await fixture.ConversationsAsync(channel.Id);
        Assert.Equal(2, conversations.Count);
        var second = Assert.Single(conversations, c => c.Id != first);
        Assert.Equal("Troca de produto", second.Subject);
        Assert.Equal(conversations[0].ContactId, conversations[1].ContactId);
    }

    [Fact]
    public async Task Receive_OnlyReferencesKnowTheThread_LandsInThatConversation()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveFirstMailAsync(channel, "<first-5@cliente.example>");
        var other = await PostPostmarkAsync(channel, Postmark("<other-5@cliente.example>", "Outro assunto", "Outra coisa."));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        // In-Reply-To names a mail we never saw (a colleague's copy); References ends with the customer's first mail.
        var response = await PostPostmarkAsync(channel, Postmark("<third-5@cliente.example>", "Re: Pedido 123 atrasado", "Alguma novidade?",
            inReplyTo: "<unknown-5@elsewhere.example>", references: "<nothing@x.example> <first-5@cliente.example> <unknown-5@elsewhere.example>"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messages = await fixture.MessagesAsync(channel.Id);
        Assert.Equal(conversationId, Assert.Single(messages, m => m.ExternalId == "<third-5@cliente.example>").ConversationId);
        Assert.Equal(2, (await fixture.ConversationsAsync(channel.Id)).Count);
    }

    [Fact]
    public async Task Receive_SameMessageIdTwice_StoresItOnce()
    {
        var channel = await ChannelAsync();
        var body = Postmark("<dup-6@cliente.example>", "Oi", "Mensagem repetida");

        var first = await PostPostmarkAsync(channel, body);
        var second = await PostPostmarkAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Single(await fixture.MessagesAsync(channel.Id));
        Assert.Single(await fixture.ConversationsAsync(channel.Id));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    public async Task Receive_MalformedPostmarkMail_Returns400AndStoresNothing(string body)
    {
        var channel = await ChannelAsync();

        var response = await PostPostmarkAsync(channel, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"detail\"", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        Assert.Empty(await fixture.ConversationsAsync(channel.Id));
    }

    [Theory]
    [InlineData("""{"Subject":"sem remetente","TextBody":"Oi"}""", "remetente")]
    [InlineData("""{"FromFull":{"Email":"não é e-mail"},"Subject":"x","TextBody":"Oi"}""", "remetente")]
    [InlineData("""{"FromFull":{"Email":"maria@cliente.example"},"Subject":"sem texto","TextBody":"  "}""", "texto")]
    public async Task Receive_PostmarkMailThatCannotBeStored_Answers200SoPostmarkStopsAndIsKeptWithItsReason(string body, string reason)
    {
        var channel = await ChannelAsync();

        var response = await PostPostmarkAsync(channel, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
        Assert.Empty(await fixture.ConversationsAsync(channel.Id));
        var kept = Assert.Single(await fixture.UnprocessedAsync(channel.Id));
        Assert.Contains(reason, kept.Reason);
        Assert.DoesNotContain(Password, kept.Payload);
    }

    [Fact]
    public async Task Receive_ChannelNotActive_Returns409AndStoresNothing()
    {
        var channel = await ChannelAsync(active: false);

        var response = await PostPostmarkAsync(channel, Postmark("<g1@cliente.example>", "Oi", "Oi"));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_UnknownPublicKey_Returns404()
    {
        using var client = fixture.Client();
        var response = await client.PostAsync("webhooks/email/does-not-exist", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Receive_MailgunWithRightSignature_StoresTheStrippedText()
    {
        var channel = await ChannelAsync(InboundEmailProvider.Mailgun);

        var response = await PostMailgunAsync(channel, Mailgun("<mg1@cliente.example>", "Boleto", "Onde pego o boleto?"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(await fixture.MessagesAsync(channel.Id));
        Assert.Equal("Onde pego o boleto?", message.Content);
        Assert.Equal("<mg1@cliente.example>", message.ExternalId);
        var conversation = Assert.Single(await fixture.ConversationsAsync(channel.Id));
        Assert.Equal("Boleto", conversation.Subject);
        Assert.Equal("Maria Souza", conversation.Contact.Name);
    }

    private static string PostmarkHtmlOnly(string messageId, string html, object[]? attachments = null) =>
        JsonSerializer.Serialize(new
        {
            FromFull = new { Email = Customer, Name = "Maria Souza" },
            From = Customer,
            To = Support,
            Subject = "Pedido 4521",
            MessageID = Guid.NewGuid().ToString(),
            TextBody = "",
            HtmlBody = html,
            StrippedTextReply = "",
            Headers = new[] { new { Name = "Message-ID", Value = messageId } },
            Attachments = attachments ?? [],
        });

    [Fact]
    public async Task Receive_PostmarkHtmlOnly_StoresReadableText()
    {
        var channel = await ChannelAsync();
        const string html = "<html><head><style>p{margin:0}</style></head><body><p>Olá,</p><p>o pedido&nbsp;4521 chegou <b>quebrado</b>."
            + "<br>Podem trocar?</p><script>track()</script><p>Maria &amp; Cia</p></body></html>";

        var response = await PostPostmarkAsync(channel, PostmarkHtmlOnly("<html-1@cliente.example>", html));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Olá,\n\no pedido 4521 chegou quebrado.\nPodem trocar?\n\nMaria & Cia", Assert.Single(await fixture.MessagesAsync(channel.Id)).Content);
    }

    [Fact]
    public async Task Receive_PostmarkWithAttachments_AppendsTheirNamesAndSizes()
    {
        var channel = await ChannelAsync();
        object[] files =
        [
            new { Name = "contrato.pdf", Content = Convert.ToBase64String(new byte[12 * 1024]), ContentType = "application/pdf", ContentLength = 12 * 1024 },
            new { Name = "foto.jpg", Content = Convert.ToBase64String(new byte[2000]), ContentType = "image/jpeg", ContentLength = 2000 },
        ];

        var response = await PostPostmarkAsync(channel, PostmarkHtmlOnly("<att-1@cliente.example>", "<div>Segue o contrato assinado.</div>", files));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Segue o contrato assinado.\n\nAnexos: contrato.pdf (12 KB), foto.jpg (2 KB)",
            Assert.Single(await fixture.MessagesAsync(channel.Id)).Content);
    }

    [Fact]
    public async Task Receive_PostmarkOnlyAnAttachment_IsStoredWithTheAttachmentsLine()
    {
        var channel = await ChannelAsync();
        object[] files = [new { Name = "boleto.pdf", Content = "", ContentType = "application/pdf", ContentLength = 800 }];

        var response = await PostPostmarkAsync(channel, PostmarkHtmlOnly("<att-2@cliente.example>", "", files));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Anexos: boleto.pdf (800 B)", Assert.Single(await fixture.MessagesAsync(channel.Id)).Content);
    }

    [Fact]
    public async Task Receive_MailgunHtmlOnly_UsesStrippedHtmlSoTheQuotedMailIsLeftOut()
    {
        var channel = await ChannelAsync(InboundEmailProvider.Mailgun);
        var fields = Mailgun("<mg-html-1@cliente.example>", "Boleto", "");
        fields.Remove("body-plain");
        fields.Remove("stripped-text");
        fields["stripped-html"] = "<div dir=\"ltr\">Já paguei o boleto &#8212; segue o comprovante.<br>Obrigada!</div>";
        fields["body-html"] = fields["stripped-html"]
            + "<div class=\"gmail_quote\"><blockquote>Em ter., Loja escreveu: seu boleto vence amanhã</blockquote></div>";

        var response = await PostMailgunAsync(channel, fields);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Já paguei o boleto — segue o comprovante.\nObrigada!", Assert.Single(await fixture.MessagesAsync(channel.Id)).Content);
    }

    [Fact]
    public async Task Receive_MailgunBodyHtmlOnly_StoresReadableText()
    {
        var channel = await ChannelAsync(InboundEmailProvider.Mailgun);
        var fields = Mailgun("<mg-html-2@cliente.example>", "Troca", "");
        fields.Remove("body-plain");
        fields.Remove("stripped-text");
        fields["body-html"] = "<p>Quero trocar:</p><ul><li>Camisa M</li><li>Calça 42</li></ul>";

        var response = await PostMailgunAsync(channel, fields);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Quero trocar:\n\n- Camisa M\n- Calça 42", Assert.Single(await fixture.MessagesAsync(channel.Id)).Content);
    }

    [Fact]
    public async Task Receive_MailgunMultipartWithAttachment_AppendsItsNameAndSize()
    {
        var channel = await ChannelAsync(InboundEmailProvider.Mailgun);
        var fields = Mailgun("<mg-att-1@cliente.example>", "Nota", "Segue a nota fiscal.");
        fields["attachment-count"] = "1";
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        var file = new ByteArrayContent(new byte[3 * 1024]);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "attachment-1", "nota-fiscal.pdf");

        var response = await fixture.PostWebhookAsync($"webhooks/email/{channel.PublicKey}", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Segue a nota fiscal.\n\nAnexos: nota-fiscal.pdf (3 KB)", Assert.Single(await fixture.MessagesAsync(channel.Id)).Content);
    }

    [Fact]
    public async Task Receive_MailgunWithWrongSignature_Returns403AndStoresNothing()
    {
        var channel = await ChannelAsync(InboundEmailProvider.Mailgun);

        var response = await PostMailgunAsync(channel, Mailgun("<mg2@cliente.example>", "Oi", "Oi", key: "another-key"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_MailgunWithStaleTimestamp_Returns403AndStoresNothing()
    {
        var channel = await ChannelAsync(InboundEmailProvider.Mailgun);

        var response = await PostMailgunAsync(channel, Mailgun("<mg3@cliente.example>", "Oi", "Oi", at: DateTimeOffset.UtcNow.AddMinutes(-20)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Receive_MailgunWithoutSignature_Returns401AndStoresNothing()
    {
        var channel = await ChannelAsync(InboundEmailProvider.Mailgun);
        var fields = Mailgun("<mg4@cliente.example>", "Oi", "Oi");
        fields.Remove("signature");

        var response = await PostMailgunAsync(channel, fields);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await fixture.MessagesAsync(channel.Id));
    }

    [Fact]
    public async Task Reply_SmtpServerDown_IsRetriedThenDelivered()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveFirstMailAsync(channel, "<first-8@cliente.example>");
        _smtp.RefuseNextConnections(2);

        var sent = await ReplyAndWaitAsync(conversationId, "Já verifico.");

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal(3, sent.DeliveryAttempts);
        var mail = Assert.Single(await _smtp.WaitForMailsAsync(1));
        Assert.Equal(sent.ExternalId, mail.Header("Message-ID"));
    }

    [Fact]
    public async Task Reply_RecipientRefusedWith550_FailsAtOnceWithTheReason()
    {
        var channel = await ChannelAsync();
        var conversationId = await ReceiveFirstMailAsync(channel, "<first-9@cliente.example>");
        _smtp.RejectedRecipients.Add(Customer);

        var failed = await ReplyAndWaitAsync(conversationId, "Olá?");

        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Contains(Customer, failed.FailureReason);
    }

    [Fact]
    public async Task Start_ActiveContactByEmail_SendsAFirstMailWithASubjectAndNoThreadHeaders()
    {
        var channel = await ChannelAsync();
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            var stored = await db.Channels.FirstAsync(c => c.Id == channel.Id);
            stored.SetSwitches(isActive: true, allowsActiveContact: true);
            await db.SaveChangesAsync();
        }

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => fixture.Starter.StartAsync(new Actor(null, "Ana"),
            channel.Id, null, "joao arroba cliente", "João", "Oi"));
        Assert.Contains("endereço de e-mail", refused.Message);

        await fixture.Starter.StartAsync(new Actor(null, "Ana"), channel.Id, null, "Joao@Cliente.Example", "João",
            "Seu orçamento está pronto\n\nSegue o valor combinado.");

        var mail = Assert.Single(await _smtp.WaitForMailsAsync(1));
        // The sink has the mail before the dispatcher stores its Message-ID, which the answer below threads by.
        var first = (await fixture.MessagesAsync(channel.Id)).Single(m => m.Direction == MessageDirection.Outgoing && m.Kind == MessageKind.Text);
        await fixture.WaitForMessageAsync(first.Id, m => m.ExternalId is not null);
        Assert.Equal(["joao@cliente.example"], mail.RcptTo);
        Assert.Equal("Seu orçamento está pronto", mail.Header("Subject"));
        Assert.Null(mail.Header("In-Reply-To"));
        Assert.Matches(@"^<[0-9a-f]{32}@loja\.example>$", mail.Header("Message-ID"));

        // The customer's answer to it threads back into the same conversation.
        var response = await PostPostmarkAsync(channel, Postmark("<joao-1@cliente.example>", "Re: Seu orçamento está pronto", "Aprovado!",
            inReplyTo: mail.Header("Message-ID"), from: "joao@cliente.example"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await fixture.ConversationsAsync(channel.Id));
    }

    [Fact]
    public async Task Reply_SubjectWithLineBreaks_IsSentAsOneHeaderLine()
    {
        var channel = await ChannelAsync();
        var response = await PostPostmarkAsync(channel, Postmark("<crlf-1@cliente.example>", "Pedido\r\nBcc: intruso@mal.example", "Oi"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var conversationId = Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;

        var sent = await ReplyAndWaitAsync(conversationId, "Olá!");

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var mail = Assert.Single(await _smtp.WaitForMailsAsync(1));
        Assert.Equal("Re: Pedido Bcc: intruso@mal.example", mail.Header("Subject"));
        Assert.Null(mail.Header("Bcc"));
        Assert.Equal([Customer], mail.RcptTo);
    }
}
