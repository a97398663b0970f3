using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core.Channels;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Hardening;

/// <summary>
/// The probe's inputs that answered 500 with a valid signature: text that is not Unicode inside a JSON string, and numbers
/// of the wrong type or out of range. A body that is not valid JSON gets 400 with a reason; a signed delivery with one
/// event we cannot understand stores the others, answers 2xx and keeps that event, with why, for the channel page.
/// </summary>
public class MalformedInputTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private HardeningChannels? _channels;

    private async Task<HardeningChannels> ChannelsAsync() => _channels ??= await HardeningChannels.CreateAsync(fixture);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using var client = fixture.Client();
        return await client.SendAsync(request);
    }

    private async Task<List<UnprocessedDelivery>> UnprocessedAsync(int channelId) =>
        await fixture.App.Services.GetRequiredService<UnprocessedDeliveryService>().ListAsync(channelId);

    /// <summary>A valid body for each endpoint whose (only) text is <paramref name="text"/>, as raw JSON string content.</summary>
    private static string BodyWithText(string endpoint, string id, string text) => endpoint switch
    {
        "api" => $$$"""{"id":"{{{id}}}","contact":{"id":"c1"},"text":"{{{text}}}"}""",
        "telegram" => $$$"""{"update_id":{{{Math.Abs(id.GetHashCode() % 1000000)}}},"message":{"message_id":1,"date":1790000000,"chat":{"id":4242},"text":"{{{text}}}"}}""",
        "whatsapp" => $$$"""{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"5511","id":"{{{id}}}","timestamp":"1790000000","type":"text","text":{"body":"{{{text}}}"}}]}}]}]}""",
        "facebook" => $$$"""{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"77"},"recipient":{"id":"1"},"timestamp":1790000000000,"message":{"mid":"{{{id}}}","text":"{{{text}}}"}}]}]}""",
        "instagram" => $$$"""{"object":"instagram","entry":[{"id":"1","messaging":[{"sender":{"id":"77"},"recipient":{"id":"1"},"timestamp":1790000000000,"message":{"mid":"{{{id}}}","text":"{{{text}}}"}}]}]}""",
        "line" => $$$"""{"events":[{"type":"message","webhookEventId":"{{{id}}}","timestamp":1790000000000,"source":{"type":"user","userId":"U1"},"message":{"id":"1","type":"text","text":"{{{text}}}"}}]}""",
        "postmark" => $$$"""{"FromFull":{"Email":"maria@cliente.example","Name":"Maria"},"Subject":"Oi","TextBody":"{{{text}}}","Headers":[{"Name":"Message-ID","Value":"<{{{id}}}@cliente.example>"}]}""",
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };

    public static TheoryData<string> JsonEndpoints() => new(HardeningChannels.JsonEndpoints);

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task LoneSurrogateInAString_Returns400WithAReasonAndStoresNothing(string endpoint)
    {
        var channels = await ChannelsAsync();
        var body = Encoding.UTF8.GetBytes(BodyWithText(endpoint, "sur-" + endpoint, "\\ud800"));

        var response = await SendAsync(channels.SignedJson(endpoint, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Unicode", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(ChannelIdOf(channels, endpoint)));
    }

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task InvalidUtf8BytesInAString_Returns400WithAReasonAndStoresNothing(string endpoint)
    {
        var channels = await ChannelsAsync();
        var text = BodyWithText(endpoint, "raw-" + endpoint, "MARK");
        var at = text.IndexOf("MARK", StringComparison.Ordinal);
        var body = Encoding.UTF8.GetBytes(text[..at]).Concat(new byte[] { 0xff, 0xfe }).Concat(Encoding.UTF8.GetBytes(text[(at + 4)..])).ToArray();

        var response = await SendAsync(channels.SignedJson(endpoint, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Unicode", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.MessagesAsync(ChannelIdOf(channels, endpoint)));
    }

    [Fact]
    public async Task TelegramDateOutOfRange_StoresTheMessageAtItsArrivalTime()
    {
        var channels = await ChannelsAsync();
        var body = """{"update_id":777001,"message":{"message_id":1,"date":99999999999999,"chat":{"id":5151},"text":"data absurda"}}""";
        var before = DateTime.UtcNow.AddMinutes(-1);

        var response = await SendAsync(channels.SignedJson("telegram", Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(await fixture.MessagesAsync(channels.Telegram.Id), m => m.Content == "data absurda");
        Assert.True(message.CreatedAt > before && message.CreatedAt < DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task WhatsAppTimestampOutOfRange_StoresTheMessage()
    {
        var channels = await ChannelsAsync();
        var body = BodyWithText("whatsapp", "wamid.huge", "hora absurda").Replace("\"1790000000\"", "\"99999999999999\"");

        var response = await SendAsync(channels.SignedJson("whatsapp", Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await fixture.MessagesAsync(channels.WhatsApp.Id), m => m.Content == "hora absurda");
    }

    public static TheoryData<string, string> WrongTypes()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in new[] { "facebook", "instagram" })
        {
            foreach (var value in new[] { "null", "\"1790000000000\"", "true", "[1]", "{\"ms\":1}", "99999999999999999999", "1.5" })
            {
                data.Add(endpoint, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task MetaTimestampAndWatermarksOfTheWrongType_AnswerOkAndStoreTheMessage(string endpoint, string value)
    {
        var channels = await ChannelsAsync();
        var channel = endpoint == "instagram" ? channels.Instagram : channels.Facebook;
        var mid = $"m_{Guid.NewGuid():N}";
        var body = $$$"""
            {"object":"{{{(endpoint == "instagram" ? "instagram" : "page")}}}","entry":[{"id":"1","messaging":[
              {"sender":{"id":"78"},"recipient":{"id":"1"},"timestamp":{{{value}}},"message":{"mid":"{{{mid}}}","text":"tipo errado"}},
              {"sender":{"id":"78"},"recipient":{"id":"1"},"timestamp":{{{value}}},"delivery":{"mids":["m_out"],"watermark":{{{value}}}}},
              {"sender":{"id":"78"},"recipient":{"id":"1"},"timestamp":{{{value}}},"read":{"watermark":{{{value}}}}}
            ]}]}
            """;

        var response = await SendAsync(channels.SignedJson(endpoint, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await fixture.MessagesAsync(channel.Id), m => m.ExternalId == mid);
        // The read receipt has nothing but the unusable watermark: it is kept as unprocessed, with why.
        Assert.Contains(await UnprocessedAsync(channel.Id), d => d.Reason.Contains("watermark") && d.Payload.Contains("\"read\""));
    }

    [Fact]
    public async Task LineTimestampAsAString_StoresTheMessage()
    {
        var channels = await ChannelsAsync();
        var body = BodyWithText("line", "01LINESTRINGTS", "hora em texto").Replace("1790000000000", "\"1790000000000\"");

        var response = await SendAsync(channels.SignedJson("line", Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await fixture.MessagesAsync(channels.Line.Id), m => m.Content == "hora em texto");
    }

    [Fact]
    public async Task PostmarkAttachmentLengthNotANumber_StoresTheMailAndListsTheFile()
    {
        var channels = await ChannelsAsync();
        var body = """{"FromFull":{"Email":"ana@cliente.example"},"Subject":"Anexo","TextBody":"Segue o contrato","Attachments":[{"Name":"contrato.pdf","ContentLength":"x","Content":"AAAA"}]}""";

        var response = await SendAsync(channels.SignedJson("postmark", Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Assert.Single(await fixture.MessagesAsync(channels.Postmark.Id), m => m.Content.StartsWith("Segue o contrato", StringComparison.Ordinal));
        Assert.Contains("contrato.pdf", message.Content);
    }

    [Fact]
    public async Task OneUnreadableEventAmongGoodOnes_StoresTheOthersAnswers200AndKeepsItWithItsReasonButNoSignature()
    {
        var channels = await ChannelsAsync();
        var body = """
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[
              {"from":"5511911110001","id":"wamid.good1","timestamp":"1790000000","type":"text","text":{"body":"primeira"}},
              {"id":"wamid.nofrom","timestamp":"1790000000","type":"text","text":{"body":"sem remetente"}},
              {"from":"5511911110001","id":"wamid.good2","timestamp":"1790000001","type":"text","text":{"body":"terceira"}}
            ]}}]}]}
            """;
        var request = channels.SignedJson("whatsapp", Encoding.UTF8.GetBytes(body));
        var signature = request.Headers.GetValues("X-Hub-Signature-256").Single();

        var response = await SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["primeira", "terceira"], (await fixture.MessagesAsync(channels.WhatsApp.Id)).Select(m => m.Content).Where(c => c is "primeira" or "terceira"));
        var kept = Assert.Single(await UnprocessedAsync(channels.WhatsApp.Id), d => d.Payload.Contains("wamid.nofrom"));
        Assert.Equal("Cada mensagem precisa de from, id e type.", kept.Reason);
        Assert.Contains("sem remetente", kept.Payload);
        Assert.DoesNotContain(signature, kept.Payload);
        Assert.DoesNotContain(HardeningChannels.MetaSecret, kept.Payload);
    }

    [Fact]
    public async Task TelegramUpdateWithoutChat_Answers200AndIsKeptForTheAdmin()
    {
        var channels = await ChannelsAsync();
        var body = """{"update_id":880011,"message":{"message_id":3,"text":"sem chat"}}""";

        var response = await SendAsync(channels.SignedJson("telegram", Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var kept = Assert.Single(await UnprocessedAsync(channels.Telegram.Id), d => d.Payload.Contains("880011"));
        Assert.Equal("message.chat.id é obrigatório e numérico.", kept.Reason);
        Assert.DoesNotContain(HardeningChannels.TelegramSecret, kept.Payload);
    }

    [Fact]
    public async Task UnprocessedList_KeepsOnlyTheNewestPerChannel()
    {
        var channels = await ChannelsAsync();
        var service = fixture.App.Services.GetRequiredService<UnprocessedDeliveryService>();
        var events = Enumerable.Range(0, UnprocessedDeliveryService.KeptPerChannel + 30)
            .Select(i => new UnreadableEvent($$$"""{"n":{{{i}}}}""", "teste")).ToList();

        await service.RecordAsync(channels.Sms.Id, events);

        await using var db = await fixture.Db.CreateDbContextAsync();
        var kept = await db.UnprocessedDeliveries.Where(d => d.ChannelId == channels.Sms.Id).OrderBy(d => d.Id).Select(d => d.Payload).ToListAsync();
        Assert.Equal(UnprocessedDeliveryService.KeptPerChannel, kept.Count);
        Assert.Equal("""{"n":30}""", kept[0]);
    }

    private static int ChannelIdOf(HardeningChannels channels, string endpoint) => endpoint switch
    {
        "api" => channels.ApiChannelId,
        "telegram" => channels.Telegram.Id,
        "whatsapp" => channels.WhatsApp.Id,
        "facebook" => channels.Facebook.Id,
        "instagram" => channels.Instagram.Id,
        "line" => channels.Line.Id,
        _ => channels.Postmark.Id,
    };
}
