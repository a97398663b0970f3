using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Media;
using TalkToMe.Tests.Support;
using TalkToMe.Tests.Web.Endpoints;

namespace TalkToMe.Tests.Web.Media;

/// <summary>The app with short media retries and a 1 MB file limit, and a fake provider on loopback for Telegram and WhatsApp.</summary>
public sealed class MediaFixture : IAsyncLifetime
{
    public const long MaxBytes = 1024 * 1024;

    public TestApp App { get; private set; } = null!;
    public FakeProvider Provider { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await FakeProvider.StartAsync();
        App = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["TalkToMe:Storage:RetryBaseDelay"] = "00:00:00.200",
            ["TalkToMe:Storage:MaxBytes"] = MaxBytes.ToString(),
            // The fake provider is on loopback; ApiChannel_AttachmentUrlIntoThisNetwork_IsRefused checks the default.
            ["TalkToMe:Storage:AllowPrivateUrls"] = "true",
            // Signed public links to agents' files (MediaPublicLinkTests) are made under it.
            ["TalkToMe:PublicUrl"] = MediaPublicLinkTests.PublicUrl,
        });
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }

    public IDbContextFactory<TalkToMeDbContext> Db => App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();

    public async Task<Channel> AddChannelAsync(ChannelType type, ChannelSettings settings)
    {
        var channel = new Channel($"{type} {Guid.NewGuid():N}"[..20], type, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(settings);
        channel.SetSwitches(true, allowsActiveContact: false);
        await using var db = await Db.CreateDbContextAsync();
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    public async Task<List<Attachment>> AttachmentsAsync(int channelId)
    {
        await using var db = await Db.CreateDbContextAsync();
        return await db.Attachments.AsNoTracking().Where(a => a.ChannelId == channelId).OrderBy(a => a.Id).ToListAsync();
    }

    /// <summary>Waits until every attachment of the channel has left Pending (the downloader runs on its own).</summary>
    public async Task<List<Attachment>> SettledAsync(int channelId, int count = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var attachments = await AttachmentsAsync(channelId);
            if (attachments.Count >= count && attachments.All(a => a.State != MediaState.Pending))
            {
                return attachments;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Attachments still pending: {string.Join(", ", attachments.Select(a => $"{a.Kind} {a.State} {a.FailureReason}"))}");
            await Task.Delay(50);
        }
    }

    public async Task<HttpClient> SignedInAsync(string email = TestApp.AdminEmail, string password = TestApp.AdminPassword)
    {
        var client = App.CreateClient();
        var response = await HostingEndpointTests.SignInAsync(client, email, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }
}

public class MediaInboundTests(MediaFixture fixture) : IClassFixture<MediaFixture>
{
    private const string BotToken = "777:media-bot-token";
    private const string TelegramSecret = "media-secret";
    private const string WhatsAppToken = "EAAG-media-token";
    private const string AppSecret = "media-app-secret";

    /// <summary>A real JPEG's first bytes, then filler: enough for the type check.</summary>
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8, 0x00, .. Enumerable.Range(0, 2000).Select(i => (byte)i)];

    private static readonly byte[] Ogg = [.. "OggS"u8, 0x00, 0x02, .. Enumerable.Range(0, 3000).Select(i => (byte)(i * 7))];

    private static readonly byte[] Html = "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"u8.ToArray();

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<Channel> TelegramAsync() => await fixture.AddChannelAsync(ChannelType.Telegram, new TelegramSettings
    {
        BotToken = BotToken,
        WebhookSecretToken = TelegramSecret,
        ApiBaseUrl = fixture.Provider.BaseUrl,
    });

    private async Task<Channel> WhatsAppAsync() => await fixture.AddChannelAsync(ChannelType.WhatsApp, new WhatsAppSettings
    {
        PhoneNumberId = "1001",
        AccessToken = WhatsAppToken,
        AppSecret = AppSecret,
        VerifyToken = "verify",
        ApiBaseUrl = fixture.Provider.BaseUrl,
    });

    private async Task<HttpResponseMessage> PostTelegramAsync(Channel channel, object message)
    {
        using var client = fixture.App.CreateClient();
        var body = JsonSerializer.Serialize(new { update_id = Random.Shared.NextInt64(1, long.MaxValue / 2), message });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"webhooks/telegram/{channel.PublicKey}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(TelegramUpdate.SecretHeader, TelegramSecret);
        return await client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PostWhatsAppAsync(Channel channel, object message)
    {
        using var client = fixture.App.CreateClient();
        var body = JsonSerializer.Serialize(new
        {
            @object = "whatsapp_business_account",
            entry = new[]
            {
                new
                {
                    id = "waba",
                    changes = new[]
                    {
                        new
                        {
                            field = "messages",
                            value = new
                            {
                                messaging_product = "whatsapp",
                                metadata = new { display_phone_number = "5511900000000", phone_number_id = "1001" },
                                contacts = new[] { new { profile = new { name = "Joana" }, wa_id = "5511988887777" } },
                                messages = new[] { message },
                            },
                        },
                    },
                },
            },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"webhooks/whatsapp/{channel.PublicKey}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WhatsAppWebhook.SignatureHeader, "sha256=" + WhatsAppWebhook.Sign(AppSecret, Encoding.UTF8.GetBytes(body)));
        return await client.SendAsync(request);
    }

    private static object Chat(long chatId) => new { id = chatId, type = "private" };

    private static object From(long chatId) => new { id = chatId, is_bot = false, first_name = "Rui" };

    [Fact]
    public async Task Telegram_Photo_AppearsAtOnceAsFoto_ThenTheLargestSizeIsFetchedWithGetFile()
    {
        var channel = await TelegramAsync();
        fixture.Provider.Route(r => r.PathAndQuery == $"/bot{BotToken}/getFile?file_id=big-photo",
            _ => new FakeReply(200, """{"ok":true,"result":{"file_id":"big-photo","file_path":"photos/file_9.jpg"}}"""));
        fixture.Provider.Route(r => r.PathAndQuery == $"/file/bot{BotToken}/photos/file_9.jpg", _ => FakeReply.File(Jpeg, "image/jpeg"));

        var response = await PostTelegramAsync(channel, new
        {
            message_id = 1,
            from = From(501),
            chat = Chat(501),
            date = 1_790_000_000,
            photo = new object[]
            {
                new { file_id = "small-photo", file_unique_id = "s", width = 90, height = 60, file_size = 900 },
                new { file_id = "big-photo", file_unique_id = "b", width = 1280, height = 853, file_size = 2016 },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            var conversation = await db.Conversations.AsNoTracking().SingleAsync(c => c.ChannelId == channel.Id);
            Assert.Equal("📷 Foto", conversation.LastMessagePreview);
        }

        var photo = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaKind.Image, photo.Kind);
        Assert.Equal(MediaState.Ready, photo.State);
        Assert.Equal(Sha256(Jpeg), photo.Sha256);
        Assert.Equal("image/jpeg", photo.ContentType);
        Assert.DoesNotContain(fixture.Provider.RoutedRequests, r => r.PathAndQuery.Contains("small-photo"));

        using var agent = await fixture.SignedInAsync();
        var file = await agent.GetAsync($"media/{photo.Id}");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(Jpeg, await file.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", file.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("inline", file.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Fact]
    public async Task WhatsApp_VoiceNote_IsFetchedByMediaIdThenUrl_WithTheChannelsToken()
    {
        var channel = await WhatsAppAsync();
        var mediaUrl = $"{fixture.Provider.BaseUrl}/whatsapp-cdn/voice-1?signed=abc";
        fixture.Provider.Route(r => r.PathAndQuery == "/v21.0/voice-media-1",
            _ => new FakeReply(200, $$"""{"messaging_product":"whatsapp","url":"{{mediaUrl}}","mime_type":"audio/ogg; codecs=opus","file_size":{{Ogg.Length}},"id":"voice-media-1"}"""));
        fixture.Provider.Route(r => r.PathAndQuery.StartsWith("/whatsapp-cdn/voice-1", StringComparison.Ordinal), _ => FakeReply.File(Ogg, "audio/ogg"));

        var response = await PostWhatsAppAsync(channel, new
        {
            from = "5511988887777",
            id = "wamid.voice-1",
            timestamp = "1790000000",
            type = "audio",
            audio = new { id = "voice-media-1", mime_type = "audio/ogg; codecs=opus", voice = true },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var voice = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaKind.Voice, voice.Kind);
        Assert.Equal(MediaState.Ready, voice.State);
        Assert.Equal("audio/ogg", voice.ContentType);
        var calls = fixture.Provider.RoutedRequests.Where(r => r.PathAndQuery.Contains("voice")).ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal($"Bearer {WhatsAppToken}", c.Headers["Authorization"]));
    }

    [Fact]
    public async Task WhatsApp_LocationAndContactCard_NeedNoDownload()
    {
        var channel = await WhatsAppAsync();

        await PostWhatsAppAsync(channel, new
        {
            from = "5511988887777",
            id = "wamid.place-1",
            timestamp = "1790000000",
            type = "location",
            location = new { latitude = -23.5614, longitude = -46.6559, name = "Loja Paulista", address = "Av. Paulista, 1000" },
        });

        await PostWhatsAppAsync(channel, new
        {
            from = "5511988887777",
            id = "wamid.card-1",
            timestamp = "1790000001",
            type = "contacts",
            contacts = new[] { new { name = new { formatted_name = "Carlos Souza" }, phones = new[] { new { phone = "+55 11 97777-6666", type = "CELL" } } } },
        });

        var attachments = await fixture.AttachmentsAsync(channel.Id);
        Assert.Equal(2, attachments.Count);
        var (place, card) = (attachments[0], attachments[1]);
        Assert.Equal(MediaKind.Contact, card.Kind);
        Assert.Equal(MediaState.Ready, card.State);
        Assert.Equal("Carlos Souza", card.Details!.Name);
        Assert.Equal(["+55 11 97777-6666"], card.Details.Phones!);
        Assert.Equal(MediaKind.Location, place.Kind);
        Assert.Equal(MediaState.Ready, place.State);
        Assert.Equal(-23.5614, place.Details!.Latitude);
        Assert.Equal("Loja Paulista", place.Details.Name);
        await using var db = await fixture.Db.CreateDbContextAsync();
        Assert.Equal(["📍 Loja Paulista", "👤 Carlos Souza"],
            await db.Messages.AsNoTracking().Where(m => m.ChannelId == channel.Id).OrderBy(m => m.Id).Select(m => m.Content).ToListAsync());
    }

    [Fact]
    public async Task Download_FailsTwiceThenSucceeds_TheMessageWaitsMeanwhileAndEndsReady()
    {
        var channel = await TelegramAsync();
        var tries = 0;
        fixture.Provider.Route(r => r.PathAndQuery == $"/bot{BotToken}/getFile?file_id=flaky-doc",
            _ => Interlocked.Increment(ref tries) <= 2
                ? new FakeReply(502, "Bad gateway", "text/plain")
                : new FakeReply(200, """{"ok":true,"result":{"file_id":"flaky-doc","file_path":"documents/contrato.pdf"}}"""));
        var pdf = "%PDF-1.7\n"u8.ToArray().Concat(new byte[500]).ToArray();
        fixture.Provider.Route(r => r.PathAndQuery == $"/file/bot{BotToken}/documents/contrato.pdf", _ => FakeReply.File(pdf, "application/pdf"));

        var response = await PostTelegramAsync(channel, new
        {
            message_id = 2,
            from = From(502),
            chat = Chat(502),
            date = 1_790_000_000,
            document = new { file_id = "flaky-doc", file_unique_id = "d", file_name = "contrato.pdf", mime_type = "application/pdf", file_size = pdf.Length },
            caption = "Segue o contrato assinado",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaState.Ready, document.State);
        Assert.Equal(3, tries);
        Assert.Equal(3, document.Attempts);
        Assert.Equal("contrato.pdf", document.FileName);
        await using var db = await fixture.Db.CreateDbContextAsync();
        Assert.Equal("Segue o contrato assinado", (await db.Messages.AsNoTracking().SingleAsync(m => m.ChannelId == channel.Id)).Content);
    }

    [Fact]
    public async Task Download_OfAFileOverTheLimit_FailsAtOnceNamingTheLimit_AndTentarNovamenteTriesAgain()
    {
        var channel = await TelegramAsync();
        fixture.Provider.Route(r => r.PathAndQuery == $"/bot{BotToken}/getFile?file_id=huge-video",
            _ => new FakeReply(200, """{"ok":true,"result":{"file_id":"huge-video","file_path":"videos/huge.mp4"}}"""));
        var huge = new byte[MediaFixture.MaxBytes + 1];
        fixture.Provider.Route(r => r.PathAndQuery == $"/file/bot{BotToken}/videos/huge.mp4", _ => FakeReply.File(huge, "video/mp4"));

        await PostTelegramAsync(channel, new
        {
            message_id = 3,
            from = From(503),
            chat = Chat(503),
            date = 1_790_000_000,
            video = new { file_id = "huge-video", file_unique_id = "v", duration = 14, mime_type = "video/mp4" },
        });

        var video = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaState.Failed, video.State);
        Assert.Equal(1, video.Attempts);
        Assert.Contains("1 MB", video.FailureReason);
        var downloads = fixture.Provider.RoutedRequests.Count(r => r.PathAndQuery.EndsWith("huge.mp4", StringComparison.Ordinal));

        var retried = await fixture.App.Services.GetRequiredService<MediaDownloader>().RetryAsync(video.Id, ChannelScope.All);

        Assert.True(retried);
        var again = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaState.Failed, again.State);
        Assert.Equal(downloads + 1, fixture.Provider.RoutedRequests.Count(r => r.PathAndQuery.EndsWith("huge.mp4", StringComparison.Ordinal)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Path.GetDirectoryName(fixture.App.DatabasePath)!, "media", "tmp")));
    }

    [Fact]
    public async Task SpoofedJpegThatIsHtml_IsServedAsADownload_NeverAsAPageOrAnImage()
    {
        var channel = await TelegramAsync();
        fixture.Provider.Route(r => r.PathAndQuery == $"/bot{BotToken}/getFile?file_id=evil-photo",
            _ => new FakeReply(200, """{"ok":true,"result":{"file_id":"evil-photo","file_path":"photos/evil.jpg"}}"""));
        fixture.Provider.Route(r => r.PathAndQuery == $"/file/bot{BotToken}/photos/evil.jpg", _ => FakeReply.File(Html, "image/jpeg"));

        await PostTelegramAsync(channel, new
        {
            message_id = 4,
            from = From(504),
            chat = Chat(504),
            date = 1_790_000_000,
            photo = new object[] { new { file_id = "evil-photo", file_unique_id = "e", width = 100, height = 100 } },
        });

        var photo = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaState.Ready, photo.State);
        Assert.Equal("text/html", photo.ContentType);
        using var agent = await fixture.SignedInAsync();
        var file = await agent.GetAsync($"media/{photo.Id}");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(MediaSniffer.Binary, file.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", file.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", file.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task MediaEndpoint_RefusesAnonymousUsers_AndAgentsOutsideTheChannelsGroups()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.Api, new ApiChannelSettings());
        var token = await ApiTokenAsync(channel);
        using var api = fixture.App.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var posted = await api.PostAsJsonAsync($"api/v1/channels/{channel.Id}/messages", new
        {
            contact = new { id = "cliente-9", name = "Cliente" },
            attachments = new[] { new { data = Convert.ToBase64String(Jpeg), contentType = "image/jpeg", fileName = "nota.jpg" } },
        });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var photo = Assert.Single(await fixture.AttachmentsAsync(channel.Id));
        Assert.Equal(MediaState.Ready, photo.State);

        using var anonymous = fixture.App.CreateClient();
        var refused = await anonymous.GetAsync($"media/{photo.Id}");
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);

        await fixture.App.CreateUserAsync("media.restricted@talktome.local", "Agente-123456", Roles.Agent);
        await using (var db = await fixture.Db.CreateDbContextAsync())
        {
            await db.Users.Where(u => u.Email == "media.restricted@talktome.local").ExecuteUpdateAsync(s => s.SetProperty(u => u.RestrictedToGroups, true));
        }

        using var restricted = await fixture.SignedInAsync("media.restricted@talktome.local", "Agente-123456");
        Assert.Equal(HttpStatusCode.NotFound, (await restricted.GetAsync($"media/{photo.Id}")).StatusCode);
        using var admin = await fixture.SignedInAsync();
        Assert.Equal(Jpeg, await admin.GetByteArrayAsync($"media/{photo.Id}"));

        // An integration reads the message through the agent API and the file with the same personal token.
        string personal;
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<AppUser>>();
            var adminUser = (await users.FindByEmailAsync(TestApp.AdminEmail))!;
            personal = (await fixture.App.Services.GetRequiredService<ApiTokenService>().CreateAsync(adminUser.Id, "mídia")).Value!;
        }

        using var integration = fixture.App.CreateClient();
        integration.DefaultRequestHeaders.Authorization = new("Bearer", personal);
        using var thread = JsonDocument.Parse(await integration.GetStringAsync($"api/v1/conversations/{photo.ConversationId}/messages"));
        var attachment = thread.RootElement.GetProperty("items")[0].GetProperty("attachments")[0];
        Assert.Equal("Image", attachment.GetProperty("kind").GetString());
        Assert.Equal("nota.jpg", attachment.GetProperty("fileName").GetString());
        Assert.Equal($"/media/{photo.Id}", attachment.GetProperty("url").GetString());
        Assert.Equal(Jpeg, await integration.GetByteArrayAsync(attachment.GetProperty("url").GetString()!.TrimStart('/')));
        using var stranger = fixture.App.CreateClient();
        stranger.DefaultRequestHeaders.Authorization = new("Bearer", "ttm_not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync($"media/{photo.Id}")).StatusCode);
    }

    [Fact]
    public async Task ApiChannel_InlineFilesOverTheCap_Are400AndStoreNothing()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.Api, new ApiChannelSettings());
        var token = await ApiTokenAsync(channel);
        using var api = fixture.App.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var big = Convert.ToBase64String(new byte[1800 * 1024]);

        var response = await api.PostAsJsonAsync($"api/v1/channels/{channel.Id}/messages", new
        {
            contact = new { id = "cliente-10" },
            text = "três arquivos",
            attachments = new[] { new { data = big }, new { data = big }, new { data = big } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("5 MB", await response.Content.ReadAsStringAsync());
        Assert.Empty(await fixture.AttachmentsAsync(channel.Id));
        await using var db = await fixture.Db.CreateDbContextAsync();
        Assert.False(await db.Messages.AnyAsync(m => m.ChannelId == channel.Id));
    }

    [Fact]
    public async Task ApiChannel_AttachmentByUrl_IsFetched()
    {
        var channel = await fixture.AddChannelAsync(ChannelType.Api, new ApiChannelSettings());
        var token = await ApiTokenAsync(channel);
        fixture.Provider.Route(r => r.PathAndQuery == "/files/boleto.pdf", _ => FakeReply.File("%PDF-1.4 boleto"u8.ToArray(), "application/pdf"));
        using var api = fixture.App.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var response = await api.PostAsJsonAsync($"api/v1/channels/{channel.Id}/messages", new
        {
            contact = new { id = "cliente-11" },
            attachments = new[] { new { url = fixture.Provider.BaseUrl + "/files/boleto.pdf", contentType = "application/pdf", fileName = "boleto.pdf" } },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var pdf = Assert.Single(await fixture.SettledAsync(channel.Id));
        Assert.Equal(MediaState.Ready, pdf.State);
        Assert.Equal(MediaKind.Document, pdf.Kind);
        Assert.Equal("application/pdf", pdf.ContentType);
        await using var db = await fixture.Db.CreateDbContextAsync();
        Assert.Equal("📄 boleto.pdf", (await db.Messages.AsNoTracking().SingleAsync(m => m.ChannelId == channel.Id)).Content);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/x.jpg")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.5/interno.pdf")]
    [InlineData("http://[::1]/x.png")]
    [InlineData("http://localhost/x.png")]
    public async Task ApiChannel_AttachmentUrlIntoThisNetwork_IsRefusedByDefault(string url)
    {
        var source = new ApiChannelMediaSource(Microsoft.Extensions.Options.Options.Create(new MediaOptions()));

        var request = await source.RequestAsync(new ApiChannelSettings(), url, CancellationToken.None);

        Assert.Null(request.Request);
        Assert.True(request.Permanent);
        Assert.Contains("endereço interno", request.Failure);
    }

    private async Task<string> ApiTokenAsync(Channel channel)
    {
        var token = "tok_" + Guid.NewGuid().ToString("N");
        await using var db = await fixture.Db.CreateDbContextAsync();
        var stored = await db.Channels.SingleAsync(c => c.Id == channel.Id);
        stored.SetApiTokenHash(Secrets.Hash(token));
        await db.SaveChangesAsync();
        return token;
    }
}
