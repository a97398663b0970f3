using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Webhooks;

/// <summary>WhatsApp message templates against the local fake Graph API: sync from Meta, send as type "template", receipts.</summary>
public class WhatsAppTemplateTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private const string AccessToken = "EAAG-template-token";
    private const string AppSecret = "meta-app-secret";
    private const string PhoneNumberId = "106540352242922";
    private const string BusinessAccountId = "102290129340398";

    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity([new Claim(ClaimTypes.Role, Roles.Admin)], "test"));
    private static readonly ClaimsPrincipal Agent = new(new ClaimsIdentity([new Claim(ClaimTypes.Role, Roles.Agent)], "test"));

    private WhatsAppTemplateService Templates => fixture.App.Services.GetRequiredService<WhatsAppTemplateService>();

    private async Task<Channel> ChannelAsync() =>
        await fixture.AddChannelAsync(ChannelType.WhatsApp, new WhatsAppSettings
        {
            PhoneNumberId = PhoneNumberId,
            BusinessAccountId = BusinessAccountId,
            AccessToken = AccessToken,
            AppSecret = AppSecret,
            VerifyToken = "verify",
            ApiBaseUrl = fixture.Provider.BaseUrl,
            ApiVersion = "v21.0",
        });

    private static object Template(string name, string status, string body, string language = "pt_BR", string category = "UTILITY",
        object? header = null) => new
    {
        name,
        language,
        status,
        category,
        id = "1" + Math.Abs(name.GetHashCode()),
        components = header is null
            ? new object[] { new { type = "BODY", text = body }, new { type = "FOOTER", text = "Loja Exemplo" } }
            : [header, new { type = "BODY", text = body }],
    };

    private static FakeReply Page(object[] templates, string? next = null) => new(200, JsonSerializer.Serialize(new
    {
        data = templates,
        paging = next is null
            ? (object)new { cursors = new { before = "MAZDZD", after = "MjQZD" } }
            : new { cursors = new { before = "MAZDZD", after = "MjQZD" }, next },
    }));

    private static FakeReply Accepted(string wamid) => new(200,
        $$"""{"messaging_product":"whatsapp","contacts":[{"input":"5511998765432","wa_id":"5511998765432"}],"messages":[{"id":"{{wamid}}","message_status":"accepted"}]}""");

    /// <summary>Syncs one approved positional template ("pedido_enviado": two parameters) and returns it.</summary>
    private async Task<WhatsAppTemplateRow> SyncOrderTemplateAsync(Channel channel, string body = "Olá {{1}}, seu pedido {{2}} foi enviado.")
    {
        fixture.Provider.Enqueue(Page([Template("pedido_enviado", "APPROVED", body)]));
        var result = await Templates.SyncAsync(Admin, channel.Id);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Values));
        return Assert.Single(await Templates.ListAsync(channel.Id));
    }

    /// <summary>A conversation whose customer last wrote 25 hours ago: the 24-hour window is closed.</summary>
    private async Task<int> ClosedWindowConversationAsync(Channel channel, string waId = "5511998765432")
    {
        var body = JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = BusinessAccountId,
                    changes = new[]
                    {
                        new
                        {
                            field = "messages",
                            value = new
                            {
                                messaging_product = "whatsapp",
                                metadata = new { display_phone_number = "15550783881", phone_number_id = PhoneNumberId },
                                contacts = new[] { new { profile = new { name = "João Pereira" }, wa_id = waId } },
                                messages = new[]
                                {
                                    new { from = waId, id = "wamid.in-" + Guid.NewGuid().ToString("N"), timestamp = "1790000000", type = "text", text = new { body = "Oi" } },
                                },
                            },
                        },
                    },
                },
            },
        });
        Assert.Equal(HttpStatusCode.OK, (await PostWebhookAsync(channel, body)).StatusCode);
        var id = Assert.Single(await fixture.ConversationsAsync(channel.Id)).Id;
        await using var db = await fixture.Db.CreateDbContextAsync();
        await db.Conversations.Where(c => c.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastCustomerMessageAt, DateTime.UtcNow.AddHours(-25)));
        return id;
    }

    private async Task<HttpResponseMessage> PostWebhookAsync(Channel channel, string body)
    {
        using var client = fixture.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"webhooks/whatsapp/{channel.PublicKey}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(WhatsAppWebhook.SignatureHeader, "sha256=" + WhatsAppWebhook.Sign(AppSecret, Encoding.UTF8.GetBytes(body)));
        return await client.SendAsync(request);
    }

    private static string StatusBody(string wamid, string status) => JsonSerializer.Serialize(new
    {
        @object = "whatsapp_business_account",
        entry = new[]
        {
            new
            {
                id = BusinessAccountId,
                changes = new[]
                {
                    new
                    {
                        field = "messages",
                        value = new
                        {
                            messaging_product = "whatsapp",
                            metadata = new { display_phone_number = "15550783881", phone_number_id = PhoneNumberId },
                            statuses = new[] { new { id = wamid, status, timestamp = "1790000100", recipient_id = "5511998765432" } },
                        },
                    },
                },
            },
        },
    });

    [Fact]
    public async Task Sync_FollowsPagingAndStoresOnlyApprovedTemplatesItCanFill()
    {
        var channel = await ChannelAsync();
        var before = fixture.Provider.Requests.Count;
        var next = $"{fixture.Provider.BaseUrl}/v21.0/{BusinessAccountId}/message_templates?fields=name&limit=100&after=MjQZD";
        fixture.Provider.Enqueue(Page(
        [
            Template("pedido_enviado", "APPROVED", "Olá {{1}}, seu pedido {{2}} foi enviado."),
            Template("promo_natal", "PENDING", "Promoção {{1}}"),
            Template("cobranca", "REJECTED", "Pague {{1}}"),
            Template("boleto_pdf", "APPROVED", "Segue o boleto, {{1}}.", header: new { type = "HEADER", format = "DOCUMENT" }),
            Template("codigo", "APPROVED", "{{1}} é seu código.", category: "AUTHENTICATION"),
        ], next));
        fixture.Provider.Enqueue(Page([Template("boas_vindas", "APPROVED", "Bem-vindo, {{first_name}}!", language: "en_US", category: "MARKETING")]));

        var result = await Templates.SyncAsync(Admin, channel.Id);

        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Values));
        Assert.Equal(2, result.Value!.Stored);
        Assert.Equal(["boleto_pdf (pt_BR): cabeçalho com mídia", "codigo (pt_BR): modelo de autenticação"], result.Value.Skipped);
        var requests = fixture.Provider.Requests.Skip(before).ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal("GET", requests[0].Method);
        Assert.Equal($"/v21.0/{BusinessAccountId}/message_templates?fields=name,language,status,category,components&limit=100",
            requests[0].PathAndQuery);
        Assert.Equal($"Bearer {AccessToken}", requests[0].Headers["Authorization"]);
        Assert.Equal($"/v21.0/{BusinessAccountId}/message_templates?fields=name&limit=100&after=MjQZD", requests[1].PathAndQuery);
        var stored = await Templates.ListAsync(channel.Id);
        Assert.Equal(["boas_vindas", "pedido_enviado"], stored.Select(t => t.Name));
        var order = stored.Single(t => t.Name == "pedido_enviado");
        Assert.Equal(("pt_BR", "UTILITY", "Olá {{1}}, seu pedido {{2}} foi enviado."), (order.Language, order.Category, order.Body));
        Assert.Equal(["1", "2"], order.Parameters);
        Assert.Equal(["first_name"], stored.Single(t => t.Name == "boas_vindas").Parameters);
    }

    [Fact]
    public async Task Sync_Again_DropsTemplatesNoLongerApprovedAndUpdatesTheRest()
    {
        var channel = await ChannelAsync();
        await SyncOrderTemplateAsync(channel);
        fixture.Provider.Enqueue(Page(
        [
            Template("pedido_enviado", "PAUSED", "Olá {{1}}, seu pedido {{2}} foi enviado."),
            Template("pedido_entregue", "APPROVED", "Seu pedido {{1}} foi entregue."),
        ]));

        var result = await Templates.SyncAsync(Admin, channel.Id);

        Assert.True(result.Succeeded);
        Assert.Equal("pedido_entregue", Assert.Single(await Templates.ListAsync(channel.Id)).Name);
    }

    [Fact]
    public async Task Sync_MetaRefuses_SaysWhyAndKeepsWhatWasStored()
    {
        var channel = await ChannelAsync();
        await SyncOrderTemplateAsync(channel);
        fixture.Provider.Enqueue(new FakeReply(401,
            """{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190}}"""));

        var result = await Templates.SyncAsync(Admin, channel.Id);

        Assert.False(result.Succeeded);
        Assert.Equal("A Meta recusou a busca de modelos: HTTP 401: Error validating access token: Session has expired (190).",
            result.Errors["Templates"]);
        Assert.Equal("pedido_enviado", Assert.Single(await Templates.ListAsync(channel.Id)).Name);
    }

    [Fact]
    public async Task Sync_WithoutBusinessAccountId_SaysWhatIsMissingWithoutCallingMeta()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.WhatsApp, new WhatsAppSettings
        {
            PhoneNumberId = PhoneNumberId, AccessToken = AccessToken, ApiBaseUrl = fixture.Provider.BaseUrl,
        });
        var before = fixture.Provider.Requests.Count;

        var result = await Templates.SyncAsync(Admin, channel.Id);

        Assert.Contains("ID da conta WhatsApp Business", result.Errors["Templates"]);
        Assert.Equal(before, fixture.Provider.Requests.Count);
    }

    [Fact]
    public async Task Sync_ByAnAgent_IsRefused()
    {
        var channel = await ChannelAsync();

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Templates.SyncAsync(Agent, channel.Id));
    }

    [Fact]
    public async Task SendTemplate_WindowClosed_PostsExactlyTheTemplateRequest_StoresWamid_AndReceiptsUpdateIt()
    {
        var channel = await ChannelAsync();
        var template = await SyncOrderTemplateAsync(channel);
        var conversationId = await ClosedWindowConversationAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("wamid.TEMPLATE1"));

        var message = await fixture.Commands.SendTemplateAsync(conversationId, new Actor(null, "Ana"), template.Id, ["João", " 4521 "]);

        Assert.Equal("Olá João, seu pedido 4521 foi enviado.", message.Content);
        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/v21.0/{PhoneNumberId}/messages", request.PathAndQuery);
        Assert.Equal($"Bearer {AccessToken}", request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.ContentType);
        const string expected =
            """{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511998765432","type":"template","template":{"name":"pedido_enviado","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"João"},{"type":"text","text":"4521"}]}]}}""";
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(request.Body)), request.Body);
        var sent = await fixture.WaitForMessageAsync(message.Id, m => m.DeliveryStatus != DeliveryStatus.Pending);
        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal("wamid.TEMPLATE1", sent.ExternalId);
        Assert.Equal(("pedido_enviado", "pt_BR"), (sent.Template!.Name, sent.Template.Language));
        Assert.Equal([new TemplateParameter("1", "João"), new TemplateParameter("2", "4521")], sent.Template.Parameters);

        Assert.Equal(HttpStatusCode.OK, (await PostWebhookAsync(channel, StatusBody("wamid.TEMPLATE1", "delivered"))).StatusCode);
        Assert.Equal(DeliveryStatus.Delivered, (await fixture.MessagesAsync(channel.Id)).Single(m => m.Id == message.Id).DeliveryStatus);
    }

    [Fact]
    public async Task SendTemplate_NamedParameters_NameEachParameter()
    {
        var channel = await ChannelAsync();
        fixture.Provider.Enqueue(Page([Template("boas_vindas", "APPROVED", "Bem-vindo, {{first_name}}!", language: "en_US")]));
        Assert.True((await Templates.SyncAsync(Admin, channel.Id)).Succeeded);
        var template = Assert.Single(await Templates.ListAsync(channel.Id));
        var conversationId = await ClosedWindowConversationAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("wamid.NAMED"));

        await fixture.Commands.SendTemplateAsync(conversationId, new Actor(null, "Ana"), template.Id, ["Maria"]);

        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        using var json = JsonDocument.Parse(request.Body);
        var parameter = json.RootElement.GetProperty("template").GetProperty("components")[0].GetProperty("parameters")[0];
        Assert.Equal("first_name", parameter.GetProperty("parameter_name").GetString());
        Assert.Equal("Maria", parameter.GetProperty("text").GetString());
        Assert.Equal("en_US", json.RootElement.GetProperty("template").GetProperty("language").GetProperty("code").GetString());
    }

    [Fact]
    public async Task StartWithTemplate_NewNumber_StartsTheConversationWithTheTemplateToTheWaId()
    {
        var channel = await ChannelAsync();
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            var tracked = await db.Channels.SingleAsync(c => c.Id == channel.Id);
            tracked.SetSwitches(true, allowsActiveContact: true);
            await db.SaveChangesAsync();
        }

        var template = await SyncOrderTemplateAsync(channel);
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(Accepted("wamid.START"));

        var conversationId = await fixture.Starter.StartWithTemplateAsync(new Actor(null, "Ana"), channel.Id, null,
            "+55 (11) 97777-6666", "Helena Dias", template.Id, ["Helena", "7781"]);

        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal("5511977776666", json.RootElement.GetProperty("to").GetString());
        Assert.Equal("template", json.RootElement.GetProperty("type").GetString());
        var messages = await fixture.MessagesAsync(channel.Id);
        var first = messages.Single(m => m.Kind == MessageKind.Text);
        Assert.Equal((conversationId, "Olá Helena, seu pedido 7781 foi enviado."), (first.ConversationId, first.Content));
        var conversation = Assert.Single(await fixture.ConversationsAsync(channel.Id));
        Assert.Equal(("Helena Dias", "+5511977776666"), (conversation.Contact.Name, conversation.Contact.Phone));

        // Free text cannot open a WhatsApp conversation: Meta would refuse it.
        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => fixture.Starter.StartAsync(new Actor(null, "Ana"),
            channel.Id, null, "+5511966665555", null, "Olá!"));
        Assert.Equal(ReplyWindow.StartNeedsTemplateMessage, refused.Message);
    }

    [Fact]
    public async Task SendTemplate_UnknownOrForeignTemplate_OrEmptyParameter_IsRefusedAndNothingIsStored()
    {
        var channel = await ChannelAsync();
        var other = await ChannelAsync();
        var foreign = await SyncOrderTemplateAsync(other);
        var own = await SyncOrderTemplateAsync(channel);
        var conversationId = await ClosedWindowConversationAsync(channel);
        var actor = new Actor(null, "Ana");
        var countBefore = (await fixture.MessagesAsync(channel.Id)).Count;

        var unknown = await Assert.ThrowsAsync<ConversationRuleException>(
            () => fixture.Commands.SendTemplateAsync(conversationId, actor, 999_999, ["a", "b"]));
        var wrongChannel = await Assert.ThrowsAsync<ConversationRuleException>(
            () => fixture.Commands.SendTemplateAsync(conversationId, actor, foreign.Id, ["a", "b"]));
        var empty = await Assert.ThrowsAsync<ConversationRuleException>(
            () => fixture.Commands.SendTemplateAsync(conversationId, actor, own.Id, ["João", " "]));
        var missing = await Assert.ThrowsAsync<ConversationRuleException>(
            () => fixture.Commands.SendTemplateAsync(conversationId, actor, own.Id, ["João"]));
        var newline = await Assert.ThrowsAsync<ConversationRuleException>(
            () => fixture.Commands.SendTemplateAsync(conversationId, actor, own.Id, ["João", "45\n21"]));

        Assert.Contains("Modelo não encontrado", unknown.Message);
        Assert.Contains("Modelo não encontrado", wrongChannel.Message);
        Assert.Equal("Preencha o parâmetro {{2}} do modelo pedido_enviado.", empty.Message);
        Assert.Contains("espera 2 parâmetro(s)", missing.Message);
        Assert.Contains("quebras de linha", newline.Message);
        Assert.Equal(countBefore, (await fixture.MessagesAsync(channel.Id)).Count);
        // Free text stays blocked while the window is closed.
        await Assert.ThrowsAsync<ConversationRuleException>(() => fixture.Commands.ReplyAsync(conversationId, actor, "Oi?"));
    }

    [Fact]
    public async Task SendTemplate_ThroughANonWhatsAppChannel_IsRefused()
    {
        var telegram = await fixture.AddChannelAsync(ChannelType.Telegram,
            new TelegramSettings { BotToken = "123:abc", ApiBaseUrl = fixture.Provider.BaseUrl, WebhookSecretToken = "s" });
        var received = await fixture.Inbound.ReceiveAsync(new InboundMessage(telegram.Id, "884512", "Pedro", "tg-1", "Oi"));
        var whatsApp = await ChannelAsync();
        var template = await SyncOrderTemplateAsync(whatsApp);

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => fixture.Commands.SendTemplateAsync(
            received.ConversationId!.Value, new Actor(null, "Ana"), template.Id, ["a", "b"]));

        Assert.Contains("só são enviados por canais do WhatsApp", refused.Message);
        Assert.Single(await fixture.MessagesAsync(telegram.Id));
    }
}
