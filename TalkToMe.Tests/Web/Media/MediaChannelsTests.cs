using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Media;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Media;

/// <summary>Inbound media on Messenger, Instagram, LINE, Twilio and e-mail, each through its real webhook and fake provider.</summary>
public class MediaChannelsTests(MediaFixture fixture) : IClassFixture<MediaFixture>
{
    private const string AppSecret = "meta-media-secret";
    private const string LineSecret = "line-media-secret";
    private const string LineToken = "line-media-token";
    private const string TwilioSid = "AC00000000000000000000000000000001";
    private const string TwilioToken = "twilio-media-token";

    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, .. Enumerable.Range(0, 1500).Select(i => (byte)(i * 3))];

    private async Task<HttpResponseMessage> PostAsync(string path, HttpContent content, string header, string value)
    {
        using var client = fixture.App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TryAddWithoutValidation(header, value);
        return await client.SendAsync(request);
    }

    [Theory]
    [InlineData(ChannelType.Facebook, "page")]
    [InlineData(ChannelType.Instagram, "instagram")]
    public async Task MetaImage_IsFetchedFromItsAttachmentUrl(ChannelType type, string @object)
    {
        ChannelSettings settings = type == ChannelType.Facebook
            ? new FacebookSettings { PageId = "p1", PageAccessToken = "page-token", AppSecret = AppSecret, VerifyToken = "v" }
            : new InstagramSettings { PageAccessToken = "page-token", AppSecret = AppSecret, VerifyToken = "v" };
        var channel = await fixture.AddChannelAsync(type, settings);
        var path = $"/cdn/{type}/photo.jpg";
        fixture.Provider.Route(r => r.PathAndQuery == path, _ => FakeReply.File(Jpeg, "image/jpeg"));
        var body = JsonSerializer.Serialize(new
        {
            @object,
            entry = new[]
            {
                new
                {
                    id = "p1",
                    time = 1_790_000_000_000,
                    messaging = new[]
                    {
                        new
                        {
                            sender = new { id = "psid-77" },
                            recipient = new { id = "p1" },
                            timestamp = 1_790_000_000_000,
                            message = new
                            {
                                mid = "m_" + Guid.NewGuid().ToString("N"),
                                attachments = new[] { new { type = "image", payload = new { url = fixture.Provider.BaseUrl + path } } },
                            },
                        },
                    },
                },
            },
        });

        var response = await PostAsync($"webhooks/{type.ToString().ToLowerInvariant()}/{channel.PublicKey}",
            new StringContent(body, Encoding.UTF8, "application/json"), MetaSignature.Header, "sha256=" + MetaSignature.Sign(AppSecret, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var photo = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaKind.Image, photo.Kind);
        Assert.Equal(MediaState.Ready, photo.State);
        Assert.Equal("image/jpeg", photo.ContentType);
    }

    [Fact]
    public async Task LineAudio_IsFetchedFromTheContentApiWithTheToken_AndKeepsItsLength()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.Line, new LineSettings
        {
            ChannelSecret = LineSecret,
            ChannelAccessToken = LineToken,
            ApiBaseUrl = fixture.Provider.BaseUrl,
            DataApiBaseUrl = fixture.Provider.BaseUrl,
        });
        var ogg = "OggS"u8.ToArray().Concat(new byte[900]).ToArray();
        fixture.Provider.Route(r => r.PathAndQuery == "/v2/bot/message/line-audio-1/content", _ => FakeReply.File(ogg, "audio/ogg"));
        var body = JsonSerializer.Serialize(new
        {
            destination = "U0",
            events = new[]
            {
                new
                {
                    type = "message",
                    webhookEventId = "01H" + Guid.NewGuid().ToString("N"),
                    timestamp = 1_790_000_000_000,
                    source = new { type = "user", userId = "U1234567890abcdef" },
                    message = new { id = "line-audio-1", type = "audio", duration = 14_000, contentProvider = new { type = "line" } },
                },
            },
        });

        var response = await PostAsync($"webhooks/line/{channel.PublicKey}", new StringContent(body, Encoding.UTF8, "application/json"),
            LineWebhook.SignatureHeader, LineWebhook.Sign(LineSecret, Encoding.UTF8.GetBytes(body)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var audio = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaState.Ready, audio.State);
        Assert.Equal(14, audio.DurationSeconds);
        Assert.Equal($"Bearer {LineToken}", fixture.Provider.RoutedRequests.Single(r => r.PathAndQuery.Contains("line-audio-1")).Headers["Authorization"]);
        await using var db = await fixture.Db.CreateDbContextAsync();
        Assert.Equal("🎤 Áudio 0:14", (await db.Messages.AsNoTracking().SingleAsync(m => m.ChannelId == channel.Id)).Content);
    }

    [Fact]
    public async Task TwilioMms_IsFetchedWithTheAccountsCredentials()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.Sms, new TwilioSmsSettings
        {
            AccountSid = TwilioSid,
            AuthToken = TwilioToken,
            FromNumber = "+15005550006",
            ApiBaseUrl = fixture.Provider.BaseUrl,
        });
        var mediaPath = $"/2010-04-01/Accounts/{TwilioSid}/Messages/MM1/Media/ME1";
        fixture.Provider.Route(r => r.PathAndQuery == mediaPath, _ => FakeReply.File(Jpeg, "image/jpeg"));
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = "MM" + Guid.NewGuid().ToString("N"),
            ["AccountSid"] = TwilioSid,
            ["From"] = "+5511987650000",
            ["To"] = "+15005550006",
            ["Body"] = "",
            ["NumMedia"] = "1",
            ["MediaUrl0"] = fixture.Provider.BaseUrl + mediaPath,
            ["MediaContentType0"] = "image/jpeg",
        };
        var path = $"webhooks/sms/{channel.PublicKey}";

        var response = await PostAsync(path, new FormUrlEncodedContent(form), TwilioWebhook.SignatureHeader,
            TwilioWebhook.Sign(TwilioToken, $"{fixture.App.BaseUrl}/{path}", form));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var photo = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaState.Ready, photo.State);
        Assert.Equal(MediaKind.Image, photo.Kind);
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioSid}:{TwilioToken}"));
        Assert.Equal(expected, fixture.Provider.RoutedRequests.Single(r => r.PathAndQuery == mediaPath).Headers["Authorization"]);
    }

    [Fact]
    public async Task PostmarkAttachment_IsStoredWithTheMail()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.Email, new EmailSettings
        {
            EmailAddress = "suporte@loja.example",
            FromName = "Loja",
            SmtpHost = "127.0.0.1",
            SmtpPort = 2525,
            InboundProvider = InboundEmailProvider.Postmark,
            InboundWebhookPassword = "postmark-pass",
        });
        var pdf = "%PDF-1.7 orçamento"u8.ToArray();
        var body = JsonSerializer.Serialize(new
        {
            FromFull = new { Email = "cliente@exemplo.com.br", Name = "Cliente" },
            Subject = "Orçamento",
            TextBody = "Segue o orçamento.",
            Headers = new[] { new { Name = "Message-ID", Value = $"<{Guid.NewGuid():N}@exemplo.com.br>" } },
            Attachments = new[] { new { Name = "orcamento.pdf", Content = Convert.ToBase64String(pdf), ContentType = "application/pdf", ContentLength = pdf.Length } },
        });

        var response = await PostAsync($"webhooks/email/{channel.PublicKey}", new StringContent(body, Encoding.UTF8, "application/json"),
            "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("postmark:postmark-pass")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = Assert.Single(await fixture.AttachmentsAsync(channel.Id));
        Assert.Equal(MediaState.Ready, file.State);
        Assert.Equal(MediaKind.Document, file.Kind);
        Assert.Equal("orcamento.pdf", file.FileName);
        Assert.Equal("application/pdf", file.ContentType);
        using var admin = await fixture.SignedInAsync();
        Assert.Equal(pdf, await admin.GetByteArrayAsync($"media/{file.Id}"));
    }
}
