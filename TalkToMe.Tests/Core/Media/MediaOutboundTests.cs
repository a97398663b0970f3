using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Media;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;
using TalkToMe.Web;
using TalkToMe.Web.Hosting;
using Opts = Microsoft.Extensions.Options.Options;

using TalkToMe.Web.Endpoints;

namespace TalkToMe.Tests.Core.Media;

/// <summary>
/// An agent's reply with files (issue 14 item 2): the command's limits, then each sender against its provider's fake on
/// loopback (Telegram, WhatsApp Cloud, SMTP, the API channel's webhook), through the real dispatcher and database.
/// </summary>
public sealed class MediaOutboundTests : IAsyncLifetime
{
    private const string BotToken = "777:outbound-bot-token";
    private const string WhatsAppToken = "EAAG-outbound-token";
    private const string PublicUrl = "https://chat.exemplo.com.br";

    /// <summary>A real JPEG's first bytes, then every byte value (a file is not text).</summary>
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8, 0x00, .. Enumerable.Range(0, 3000).Select(i => (byte)i)];

    private static readonly byte[] Pdf = [.. "%PDF-1.7\n"u8, .. Enumerable.Range(0, 2000).Select(i => (byte)(255 - i % 256))];

    private static readonly byte[] Ogg = [.. "OggS"u8, 0x00, 0x02, .. Enumerable.Range(0, 1500).Select(i => (byte)(i * 7))];

    private static readonly byte[] Gif = [.. "GIF89a"u8, .. Enumerable.Range(0, 500).Select(i => (byte)i)];

    /// <summary>A static WebP's header (RIFF, WEBP, a lossy VP8 chunk), then bytes.</summary>
    private static readonly byte[] Webp = [.. "RIFF"u8, 0x24, 0x08, 0x00, 0x00, .. "WEBPVP8 "u8, .. Enumerable.Range(0, 2000).Select(i => (byte)(i * 3))];

    /// <summary>An animated WebP's header: the extended VP8X chunk with its animation flag (0x02).</summary>
    private static readonly byte[] AnimatedWebpHead =
        [.. "RIFF"u8, 0x00, 0x00, 0x09, 0x00, .. "WEBPVP8X"u8, 0x0A, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, .. Enumerable.Repeat((byte)0, 44)];

    /// <summary>Three distinct files, so each upload tells which one it is.</summary>
    private static byte[] Numbered(int n) => [.. "%PDF-1.7\n"u8, (byte)n, .. Enumerable.Range(0, 500).Select(i => (byte)(i + n))];

    private readonly Actor _ana = new(null, "Ana");
    private readonly string _mediaFolder = Path.Combine(Path.GetTempPath(), $"talktome-media-out-{Guid.NewGuid():N}");
    private TestDatabase _database = null!;
    private FakeProvider _provider = null!;
    private WebhookReceiver _receiver = null!;
    private SmtpSink _smtp = null!;
    private ServiceProvider _http = null!;
    private InboxEventHub _hub = null!;
    private OutboxSignal _outbox = null!;
    private TestConversations _service = null!;
    private LocalMediaStore _store = null!;
    private int _providerIds;

    /// <summary>The web host's signed links, on a key ring of this test's own, under the public URL.</summary>
    private readonly SignedMediaLinks _links = new(new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider(),
        Opts.Create(new PublicUrlOptions { PublicUrl = PublicUrl }), Opts.Create(new MediaOptions()), TimeProvider.System);

    private OutboundOptions Options { get; } = new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        MaxProbeDelay = TimeSpan.FromMilliseconds(100),
        SendTimeout = TimeSpan.FromSeconds(5),
        FileSendTimeout = TimeSpan.FromSeconds(5),
        ClaimLease = TimeSpan.FromSeconds(30),
    };

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _provider = await FakeProvider.StartAsync();
        _receiver = await WebhookReceiver.StartAsync();
        _smtp = new SmtpSink();
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        _hub = new InboxEventHub(NullLogger<InboxEventHub>.Instance);
        _outbox = new OutboxSignal();
        _service = new TestConversations(_database, _hub, outbox: _outbox, links: _links);
        _store = new LocalMediaStore(Opts.Create(new MediaOptions { Folder = _mediaFolder }));
        // As Telegram and WhatsApp answer a send; the media upload answers with the file's id.
        _provider.DefaultReply = request =>
        {
            var n = Interlocked.Increment(ref _providerIds);
            if (request.PathAndQuery.Contains("/Messages.json"))
            {
                return new FakeReply(201, $$"""{"sid":"SM{{n}}"}""");
            }

            if (request.PathAndQuery.StartsWith("/v2/bot/message/push", StringComparison.Ordinal))
            {
                return new FakeReply(200, $$"""{"sentMessages":[{"id":"line-{{n}}","quoteToken":"q"}]}""");
            }

            if (request.PathAndQuery.Contains("/messages?access_token="))
            {
                return new FakeReply(200, $$"""{"recipient_id":"psid","message_id":"m_{{n}}"}""");
            }

            if (request.PathAndQuery.Contains("/bot"))
            {
                return new FakeReply(200, $$$"""{"ok":true,"result":{"message_id":{{{1000 + n}}}}}""");
            }

            return request.PathAndQuery.EndsWith("/media", StringComparison.Ordinal)
                ? new FakeReply(200, $$"""{"id":"media-{{n}}"}""")
                : new FakeReply(200, $$$"""{"messages":[{"id":"wamid.{{{n}}}"}]}""");
        };
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _receiver.DisposeAsync();
        await _smtp.DisposeAsync();
        await _http.DisposeAsync();
        await _database.DisposeAsync();
        if (Directory.Exists(_mediaFolder))
        {
            Directory.Delete(_mediaFolder, recursive: true);
        }
    }

    private OutboundDispatcher NewDispatcher()
    {
        var options = Opts.Create(Options);
        var clients = _http.GetRequiredService<IHttpClientFactory>();
        var time = TimeProvider.System;
        var units = _database.Units(_hub, _outbox);
        IChannelSender[] senders =
        [
            new TelegramSender(clients, options, _store),
            new WhatsAppSender(clients, time, options, _store),
            new EmailSender(_database.Factory, units, options, _store),
            new ApiChannelSender(clients, time, options, Opts.Create(new PublicUrlOptions { PublicUrl = PublicUrl })),
            new TwilioSmsSender(clients, options, Opts.Create(new PublicUrlOptions()), _links),
            new FacebookSender(clients, time, options, _links),
            new InstagramSender(clients, time, options, _links),
            new LineSender(clients, options, _links),
        ];
        return new OutboundDispatcher(_database.Factory, units, _database.Gate, senders, _outbox, time, options,
            NullLogger<OutboundDispatcher>.Instance);
    }

    private async Task<Channel> ChannelAsync(ChannelType type, ChannelSettings settings)
    {
        var channel = new Channel($"{type} {Guid.NewGuid():N}"[..20], type, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(settings);
        channel.SetSwitches(true, allowsActiveContact: false);
        await using var db = _database.NewContext();
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    private Task<Channel> TelegramAsync() => ChannelAsync(ChannelType.Telegram,
        new TelegramSettings { BotToken = BotToken, WebhookSecretToken = "s", ApiBaseUrl = _provider.BaseUrl });

    private Task<Channel> WhatsAppAsync() => ChannelAsync(ChannelType.WhatsApp, new WhatsAppSettings
    {
        PhoneNumberId = "1001",
        AccessToken = WhatsAppToken,
        AppSecret = "app-secret",
        VerifyToken = "verify",
        ApiBaseUrl = _provider.BaseUrl,
    });

    private async Task<int> ConversationAsync(Channel channel, string contact)
    {
        var result = await _service.Inbound.ReceiveAsync(new InboundMessage(channel.Id, contact, "Maria Silva", null, "Oi"));
        return result.ConversationId!.Value;
    }

    private async Task<OutgoingFile> FileAsync(byte[] bytes, string name, string declaredType) =>
        new(name, declaredType, await _store.SaveAsync(new MemoryStream(bytes), CancellationToken.None));

    /// <summary>Runs the dispatcher until the message is sent or failed.</summary>
    private async Task<Message> SendAsync(long messageId)
    {
        var dispatcher = NewDispatcher();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            await dispatcher.DispatchDueAsync(waitForSends: true, CancellationToken.None);
            await using (var db = _database.NewContext())
            {
                var message = await db.Messages.AsNoTracking().SingleAsync(m => m.Id == messageId);
                if (message.DeliveryStatus is DeliveryStatus.Sent or DeliveryStatus.Failed)
                {
                    return message;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "The message was neither sent nor failed in time.");
            await Task.Delay(30);
        }
    }

    private static async Task<Dictionary<string, (string? FileName, string? ContentType, byte[] Bytes)>> FormAsync(RecordedRequest request)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
        var reader = new MultipartReader(boundary, new MemoryStream(request.BodyBytes));
        var fields = new Dictionary<string, (string?, string?, byte[])>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            using var body = new MemoryStream();
            await section.Body.CopyToAsync(body);
            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            fields[HeaderUtilities.RemoveQuotes(disposition.Name).Value!] = (fileName, section.ContentType, body.ToArray());
        }

        return fields;
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private async Task<int> MessageCountAsync(int conversationId)
    {
        await using var db = _database.NewContext();
        return await db.Messages.CountAsync(m => m.ConversationId == conversationId);
    }

    [Fact]
    public async Task ReplyWithFiles_StoresOneReadyAttachmentPerFile_ShownInTheThreadWithItsCaption()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var photo = await FileAsync(Jpeg, "foto.jpg", "image/jpeg");
        var voice = await FileAsync(Ogg, "nota.ogg", "audio/ogg; codecs=opus");

        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Veja a foto", [photo, voice]);

        var thread = await new InboxLookups(_database.Factory).MessageAsync(reply.Id);
        Assert.NotNull(thread);
        Assert.Equal("Veja a foto", thread.Caption);
        Assert.Equal([MediaKind.Image, MediaKind.Voice], thread.Attachments.Select(a => a.Kind));
        Assert.All(thread.Attachments, a => Assert.Equal(MediaState.Ready, a.State));
        Assert.Equal(["image/jpeg", "audio/ogg"], thread.Attachments.Select(a => a.ContentType));
        Assert.Equal(["foto.jpg", "nota.ogg"], thread.Attachments.Select(a => a.FileName));
        await using var db = _database.NewContext();
        var rows = await db.Attachments.AsNoTracking().Where(a => a.MessageId == reply.Id).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal([photo.Stored.Sha256, voice.Stored.Sha256], rows.Select(a => a.Sha256));
        Assert.Equal([(long?)Jpeg.Length, Ogg.Length], rows.Select(a => a.Size));
    }

    [Fact]
    public async Task ReplyWithFileAndNoText_StandsAsItsLabel_AndHasNoCaption()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");

        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "  ", [await FileAsync(Pdf, "contrato.pdf", "application/pdf")]);

        Assert.Equal("📄 contrato.pdf", reply.Content);
        // A browser may send a path; a very long name keeps its extension.
        var named = await _service.Commands.ReplyAsync(conversationId, _ana, "",
            [await FileAsync(Pdf, @"C:\Users\ana\" + new string('x', 300) + ".pdf", "application/pdf")]);
        await using (var db = _database.NewContext())
        {
            var name = await db.Attachments.Where(a => a.MessageId == named.Id).Select(a => a.FileName).SingleAsync();
            Assert.Equal(new string('x', 196) + ".pdf", name);
        }

        var thread = await new InboxLookups(_database.Factory).MessageAsync(reply.Id);
        Assert.Null(thread!.Caption);
        // Without files, an empty text is still refused, by either overload.
        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, " ", []));
        Assert.Equal("Escreva uma mensagem.", refused.Message);
    }

    [Fact]
    public async Task Telegram_PhotoAndDocument_AreMultipartUploads_WithTheCaptionOnTheFirst()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Segue o orçamento",
            [await FileAsync(Jpeg, "foto.jpg", "image/jpeg"), await FileAsync(Pdf, "orçamento.pdf", "application/pdf")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var requests = _provider.Requests;
        Assert.Equal([$"/bot{BotToken}/sendPhoto", $"/bot{BotToken}/sendDocument"], requests.Select(r => r.PathAndQuery));
        Assert.All(requests, r => Assert.StartsWith("multipart/form-data", r.ContentType));
        var photo = await FormAsync(requests[0]);
        Assert.Equal("4242", Text(photo["chat_id"].Bytes));
        Assert.Equal("Segue o orçamento", Text(photo["caption"].Bytes));
        Assert.Equal(Jpeg, photo["photo"].Bytes);
        Assert.Equal("foto.jpg", photo["photo"].FileName);
        Assert.Equal("image/jpeg", photo["photo"].ContentType);
        var document = await FormAsync(requests[1]);
        Assert.Equal("4242", Text(document["chat_id"].Bytes));
        Assert.False(document.ContainsKey("caption"));
        Assert.Equal(Pdf, document["document"].Bytes);
        Assert.Equal("orçamento.pdf", document["document"].FileName);
        // The first part's id is the message's.
        Assert.Equal("1001", sent.ExternalId);
    }

    [Fact]
    public async Task Telegram_VoiceNote_GoesWithSendVoice_AndATextPastTheCaptionLimit_GoesFirst()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var text = string.Join(' ', Enumerable.Repeat("palavra", 200));
        Assert.True(text.Length > TelegramSender.MaxCaptionLength);
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, text, [await FileAsync(Ogg, "nota.ogg", "audio/ogg")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var requests = _provider.Requests;
        Assert.Equal([$"/bot{BotToken}/sendMessage", $"/bot{BotToken}/sendVoice"], requests.Select(r => r.PathAndQuery));
        Assert.Equal(text, JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("text").GetString());
        var voice = await FormAsync(requests[1]);
        Assert.False(voice.ContainsKey("caption"));
        Assert.Equal(Ogg, voice["voice"].Bytes);
    }

    [Fact]
    public async Task Telegram_FileTooBig_IsRejectedWithTheProvidersReason_AndResendSendsTheFileAgain()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "", [await FileAsync(Pdf, "grande.pdf", "application/pdf")]);
        _provider.Enqueue(new FakeReply(400, """{"ok":false,"error_code":400,"description":"Bad Request: file is too big"}"""));

        var failed = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(1, failed.DeliveryAttempts);
        Assert.Equal("Telegram respondeu HTTP 400: Bad Request: file is too big", failed.FailureReason);
        Assert.DoesNotContain(BotToken, failed.FailureReason);

        // "Reenviar": the file goes again, whole.
        await _service.Commands.RetryAsync(reply.Id, _ana);
        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var requests = _provider.Requests;
        Assert.Equal(2, requests.Count);
        var again = await FormAsync(requests[1]);
        Assert.Equal(Pdf, again["document"].Bytes);
        Assert.False(again.ContainsKey("caption"));
    }

    [Fact]
    public async Task Telegram_ServerError_IsRetried_AndTheFileIsDeliveredOnce()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Foto", [await FileAsync(Jpeg, "foto.jpg", "image/jpeg")]);
        _provider.Enqueue(new FakeReply(500, """{"ok":false,"description":"Internal Server Error"}"""));

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal(2, sent.DeliveryAttempts);
        var requests = _provider.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal($"/bot{BotToken}/sendPhoto", r.PathAndQuery));
        Assert.Equal(Jpeg, (await FormAsync(requests[1]))["photo"].Bytes);
    }

    [Fact]
    public async Task WhatsApp_Image_IsUploadedThenSentByItsId_WithTheCaption()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Seu pedido", [await FileAsync(Jpeg, "pedido.jpg", "image/jpeg")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var requests = _provider.Requests;
        Assert.Equal(["/v21.0/1001/media", "/v21.0/1001/messages"], requests.Select(r => r.PathAndQuery));
        Assert.All(requests, r => Assert.Equal($"Bearer {WhatsAppToken}", r.Headers["Authorization"]));
        var upload = await FormAsync(requests[0]);
        Assert.Equal("whatsapp", Text(upload["messaging_product"].Bytes));
        Assert.Equal("image/jpeg", Text(upload["type"].Bytes));
        Assert.Equal(Jpeg, upload["file"].Bytes);
        Assert.Equal("pedido.jpg", upload["file"].FileName);
        using var message = JsonDocument.Parse(requests[1].Body);
        var root = message.RootElement;
        Assert.Equal("whatsapp", root.GetProperty("messaging_product").GetString());
        Assert.Equal("5511987650000", root.GetProperty("to").GetString());
        Assert.Equal("image", root.GetProperty("type").GetString());
        Assert.Equal("media-1", root.GetProperty("image").GetProperty("id").GetString());
        Assert.Equal("Seu pedido", root.GetProperty("image").GetProperty("caption").GetString());
        Assert.Equal("wamid.2", sent.ExternalId);
    }

    [Fact]
    public async Task WhatsApp_AudioThenDocument_TextGoesFirst_AudioHasNoCaption_DocumentIsNamed()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Ouça e leia",
            [await FileAsync(Ogg, "nota.ogg", "audio/ogg"), await FileAsync(Pdf, "contrato.pdf", "application/pdf")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var requests = _provider.Requests;
        Assert.Equal(["/v21.0/1001/messages", "/v21.0/1001/media", "/v21.0/1001/messages", "/v21.0/1001/media", "/v21.0/1001/messages"],
            requests.Select(r => r.PathAndQuery));
        Assert.Equal("Ouça e leia", JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("text").GetProperty("body").GetString());
        Assert.Equal(Ogg, (await FormAsync(requests[1]))["file"].Bytes);
        var audio = JsonDocument.Parse(requests[2].Body).RootElement;
        Assert.Equal("audio", audio.GetProperty("type").GetString());
        Assert.Equal(["id"], audio.GetProperty("audio").EnumerateObject().Select(p => p.Name));
        Assert.Equal(Pdf, (await FormAsync(requests[3]))["file"].Bytes);
        var document = JsonDocument.Parse(requests[4].Body).RootElement.GetProperty("document");
        Assert.Equal("media-4", document.GetProperty("id").GetString());
        Assert.Equal("contrato.pdf", document.GetProperty("filename").GetString());
        Assert.False(document.TryGetProperty("caption", out _));
        Assert.Equal("wamid.1", sent.ExternalId);
    }

    [Fact]
    public async Task WhatsApp_RefusedUpload_IsRejectedWithMetasReason()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "", [await FileAsync(Jpeg, "foto.jpg", "image/jpeg")]);
        _provider.Enqueue(new FakeReply(400, """{"error":{"message":"(#131053) Media upload error","type":"OAuthException","code":131053}}"""));

        var failed = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal("WhatsApp respondeu HTTP 400: (#131053) Media upload error (131053)", failed.FailureReason);
        Assert.Single(_provider.Requests);
    }

    [Fact]
    public async Task WhatsApp_ImageOverFiveMegabytes_IsRefusedByTheCommand_AndNothingIsStored()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var big = new OutgoingFile("grande.jpg", "image/jpeg", new StoredFile(new string('a', 64), 5 * 1024 * 1024 + 1, Jpeg[..64]));
        var before = await MessageCountAsync(conversationId);

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, "Foto", [big]));

        Assert.Equal("O WhatsApp aceita imagens de até 5 MB.", refused.Message);
        Assert.Equal(before, await MessageCountAsync(conversationId));
        await using var db = _database.NewContext();
        Assert.False(await db.Attachments.AnyAsync(a => a.ConversationId == conversationId));
    }

    [Fact]
    public async Task WhatsApp_GifImage_IsRefusedByTheCommand_NamingTheTypesItTakes()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var before = await MessageCountAsync(conversationId);

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() =>
            _service.Commands.ReplyAsync(conversationId, _ana, "", [new OutgoingFile("anim.gif", "image/gif", new StoredFile(new string('b', 64), Gif.Length, Gif[..64]))]));

        Assert.Equal("O WhatsApp aceita imagens só em JPEG/PNG.", refused.Message);
        Assert.Equal(before, await MessageCountAsync(conversationId));
    }

    [Fact]
    public async Task Telegram_PhotoOverTenMegabytes_IsRefusedByTheCommand()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var big = new OutgoingFile("grande.jpg", "image/jpeg", new StoredFile(new string('c', 64), 10 * 1024 * 1024 + 1, Jpeg[..64]));

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, "", [big]));

        Assert.Equal("O Telegram aceita imagens de até 10 MB.", refused.Message);
    }

    [Fact]
    public async Task Email_FilesOverTheMailsTotal_AreRefusedByTheCommand()
    {
        var channel = await ChannelAsync(ChannelType.Email, new EmailSettings { EmailAddress = "suporte@loja.example", SmtpHost = "127.0.0.1" });
        var conversationId = await ConversationAsync(channel, "cliente@exemplo.com.br");
        OutgoingFile Large(char c) => new($"parte-{c}.pdf", "application/pdf", new StoredFile(new string(c, 64), 10 * 1024 * 1024, Pdf[..64]));

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() =>
            _service.Commands.ReplyAsync(conversationId, _ana, "Anexos", [Large('a'), Large('b')]));

        Assert.Equal("O e-mail aceita até 18 MB de anexos por mensagem.", refused.Message);
    }

    [Theory]
    [InlineData(ComponentTestContext.English, "WhatsApp accepts images up to 5 MB.", "This channel cannot send attachments yet.")]
    [InlineData(ComponentTestContext.PortugueseBrazil, "O WhatsApp aceita imagens de até 5 MB.", "Este canal ainda não envia anexos.")]
    public async Task LimitRefusals_AreInTheReadersLanguage(string culture, string tooLarge, string cannotSend)
    {
        await using var context = new ComponentTestContext(culture);
        // As the app does at startup: the translator reads the app's resource files.
        ServerText.Translator = new ServerTextTranslator(context.GetService<IStringLocalizer<SharedResource>>()).Translate;

        var large = Assert.Throws<ConversationRuleException>(() => MediaLimits.Require(ChannelType.WhatsApp, MediaKind.Image, "image/jpeg", 6 * 1024 * 1024));
        var none = Assert.Throws<ConversationRuleException>(() => MediaLimits.Require(ChannelType.Chatbot, MediaKind.Image, "image/jpeg", 10));

        Assert.Equal(tooLarge, large.Message);
        Assert.Equal(cannotSend, none.Message);
    }

    [Theory]
    [InlineData(ComponentTestContext.English, "WhatsApp accepts stickers up to 500 KB.",
        "WhatsApp accepts stickers without animation up to 100 KB (animated: up to 500 KB).", "The file a.webp is not what it claims to be (image/webp).")]
    [InlineData(ComponentTestContext.PortugueseBrazil, "O WhatsApp aceita figurinhas de até 500 KB.",
        "O WhatsApp aceita figurinhas sem animação de até 100 KB (animadas: até 500 KB).", "O arquivo a.webp não é o que diz ser (image/webp).")]
    public async Task StickerRefusals_AreInTheReadersLanguage(string culture, string animated, string still, string disguised)
    {
        await using var context = new ComponentTestContext(culture);
        ServerText.Translator = new ServerTextTranslator(context.GetService<IStringLocalizer<SharedResource>>()).Translate;
        ConversationRuleException Refusal(byte[] head, long size) => Assert.Throws<ConversationRuleException>(() =>
            MediaLimits.Check(ChannelType.WhatsApp, [new OutgoingFile("a.webp", "image/webp", new StoredFile(new string('a', 64), size, head))]));

        Assert.Equal(animated, Refusal(AnimatedWebpHead, 600 * 1024).Message);
        Assert.Equal(still, Refusal(Webp[..64], 101 * 1024).Message);
        Assert.Equal(disguised, Refusal("<html><body>x</body></html>"u8.ToArray(), 30).Message);
    }

    [Theory]
    [InlineData(MediaKind.Image, "image/jpeg", "sendPhoto", "photo")]
    [InlineData(MediaKind.Image, "image/png", "sendPhoto", "photo")]
    [InlineData(MediaKind.Image, "image/gif", "sendDocument", "document")]
    [InlineData(MediaKind.Video, "video/mp4", "sendVideo", "video")]
    [InlineData(MediaKind.Video, "video/quicktime", "sendDocument", "document")]
    [InlineData(MediaKind.Voice, "audio/ogg", "sendVoice", "voice")]
    [InlineData(MediaKind.Audio, "audio/mpeg", "sendAudio", "audio")]
    [InlineData(MediaKind.Audio, "audio/wav", "sendDocument", "document")]
    [InlineData(MediaKind.Document, "application/pdf", "sendDocument", "document")]
    [InlineData(MediaKind.Sticker, "image/webp", "sendSticker", "sticker")]
    public void Telegram_MethodFor_PicksWhatTelegramShowsBest_ElseADocument(MediaKind kind, string contentType, string method, string field)
    {
        var file = new OutboundAttachment(1, kind, contentType, "f", 1, new string('f', 64));

        Assert.Equal((method, field), TelegramSender.MethodFor(file));
    }

    [Fact]
    public async Task ChatbotTestChat_ReplyWithFiles_IsRefused_AndItsAttachButtonHidden()
    {
        int conversationId;
        await using (var db = _database.NewContext())
        {
            var chatbot = await db.AddChannelAsync("Chatbot Loja", ChannelType.Chatbot);
            conversationId = (await db.AddConversationAsync(chatbot, "Admin (teste)", DateTime.UtcNow, "Olá")).Id;
        }

        var before = await MessageCountAsync(conversationId);

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() =>
            _service.Commands.ReplyAsync(conversationId, _ana, "Foto", [new OutgoingFile("foto.jpg", "image/jpeg", new StoredFile(new string('d', 64), Jpeg.Length, Jpeg[..64]))]));

        Assert.Equal("Este canal ainda não envia anexos.", refused.Message);
        Assert.Equal(before, await MessageCountAsync(conversationId));
        Assert.False(MediaLimits.CanSend(ChannelType.Chatbot));
        Assert.All(new[] { ChannelType.WhatsApp, ChannelType.Telegram, ChannelType.Email, ChannelType.Api, ChannelType.Website },
            type => Assert.True(MediaLimits.CanSend(type)));
        // The providers that fetch files by a public link send them only where TalkToMe:PublicUrl gives one.
        Assert.All(new[] { ChannelType.Facebook, ChannelType.Instagram, ChannelType.Line, ChannelType.Sms }, type =>
        {
            Assert.True(MediaLimits.CanSend(type));
            Assert.False(MediaLimits.CanSend(type, new NoMediaLinks()));
        });
    }

    [Fact]
    public async Task Email_Files_AreMimeAttachmentsOfTheMail()
    {
        var channel = await ChannelAsync(ChannelType.Email, new EmailSettings
        {
            EmailAddress = "suporte@loja.example",
            FromName = "Loja",
            SmtpHost = "127.0.0.1",
            SmtpPort = _smtp.Port,
            SmtpUseTls = false,
            InboundProvider = InboundEmailProvider.Postmark,
            InboundWebhookPassword = "p",
        });
        var conversationId = await ConversationAsync(channel, "cliente@exemplo.com.br");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Segue o contrato e a foto.",
            [await FileAsync(Pdf, "orçamento.pdf", "application/pdf"), await FileAsync(Jpeg, "foto.jpg", "image/jpeg")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var mail = Assert.Single(await _smtp.WaitForMailsAsync(1));
        Assert.StartsWith("multipart/mixed", mail.Header("Content-Type"));
        var parts = MimeParts(mail);
        Assert.Contains(parts, p => p.FileName is null && Encoding.UTF8.GetString(p.Bytes).Contains("Segue o contrato e a foto."));
        // System.Net.Mail names a non-ASCII file with an RFC 2047 word, which mail clients decode.
        var pdf = Assert.Single(parts, p => p.FileName == "orçamento.pdf");
        Assert.StartsWith("application/pdf", pdf.ContentType);
        Assert.Equal(Pdf, pdf.Bytes);
        var jpeg = Assert.Single(parts, p => p.FileName == "foto.jpg");
        Assert.StartsWith("image/jpeg", jpeg.ContentType);
        Assert.Equal(Jpeg, jpeg.Bytes);
    }

    [Fact]
    public async Task Api_Webhook_ListsTheFilesWithTheirMediaAddress()
    {
        var channel = await ChannelAsync(ChannelType.Api, new ApiChannelSettings { WebhookUrl = _receiver.Url, WebhookSecret = "segredo" });
        var conversationId = await ConversationAsync(channel, "cliente-42");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "",
            [await FileAsync(Jpeg, "foto.jpg", "image/jpeg"), await FileAsync(Pdf, "nota.pdf", "application/pdf")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var webhook = Assert.Single(await _receiver.WaitForAsync(1));
        Assert.Equal("sha256=" + ApiChannelSender.Sign("segredo", webhook.Timestamp, webhook.Body), webhook.Signature);
        using var json = JsonDocument.Parse(webhook.Body);
        var message = json.RootElement.GetProperty("message");
        Assert.Equal("", message.GetProperty("text").GetString());
        await using var db = _database.NewContext();
        var ids = await db.Attachments.Where(a => a.MessageId == reply.Id).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync();
        var files = message.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal("Image", files[0].GetProperty("kind").GetString());
        Assert.Equal("image/jpeg", files[0].GetProperty("contentType").GetString());
        Assert.Equal("foto.jpg", files[0].GetProperty("fileName").GetString());
        Assert.Equal(Jpeg.Length, files[0].GetProperty("size").GetInt64());
        Assert.Equal($"{PublicUrl}/media/{ids[0]}", files[0].GetProperty("url").GetString());
        Assert.Equal("Document", files[1].GetProperty("kind").GetString());
        Assert.Equal($"{PublicUrl}/media/{ids[1]}", files[1].GetProperty("url").GetString());
        // Without a public URL the address is relative to wherever the receiver reaches the app.
        var relative = ApiChannelSender.Payload(new OutboundDelivery(1, Guid.NewGuid(), 1, "", DateTime.UtcNow, 1, 1, "API", ChannelType.Api,
            new ApiChannelSettings(), "c", "C")
        {
            Attachments = [new OutboundAttachment(77, MediaKind.Image, "image/jpeg", "a.jpg", 10, new string('e', 64))],
        });
        Assert.Equal("/media/77", JsonDocument.Parse(relative).RootElement.GetProperty("message").GetProperty("attachments")[0]
            .GetProperty("url").GetString());
    }

    private sealed record MimePart(string? FileName, string? ContentType, byte[] Bytes);

    /// <summary>The leaf parts of a multipart mail, each decoded (base64 or quoted-printable or as is).</summary>
    private static List<MimePart> MimeParts(ReceivedMail mail)
    {
        var parts = new List<MimePart>();
        Collect(mail.Raw, parts);
        return parts;
    }

    private static void Collect(string entity, List<MimePart> parts)
    {
        var split = entity.Split("\r\n\r\n", 2);
        var head = Regex.Replace(split[0], @"\r\n[ \t]+", " ");
        var body = split.Length > 1 ? split[1] : "";
        string? Header(string name) => head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2
            && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)).Select(p => p[1].Trim()).FirstOrDefault();
        var contentType = Header("Content-Type");
        var boundary = contentType is null ? null : Regex.Match(contentType, "boundary=\"?([^\";]+)\"?").Groups[1].Value;
        if (contentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true && !string.IsNullOrEmpty(boundary))
        {
            foreach (var part in body.Split("--" + boundary).Skip(1))
            {
                if (part.StartsWith("--", StringComparison.Ordinal))
                {
                    break;
                }

                Collect(part.TrimStart('\r', '\n'), parts);
            }

            return;
        }

        var disposition = Header("Content-Disposition");
        var fileName = disposition is null ? null : Regex.Match(disposition, "filename=\"?([^\";]+)\"?").Groups[1].Value;
        if (fileName is not null && Regex.Match(fileName, @"^=\?utf-8\?B\?([^?]*)\?=$", RegexOptions.IgnoreCase) is { Success: true } word)
        {
            fileName = Encoding.UTF8.GetString(Convert.FromBase64String(word.Groups[1].Value));
        }

        var encoding = Header("Content-Transfer-Encoding")?.ToLowerInvariant();
        var bytes = encoding == "base64"
            ? Convert.FromBase64String(body.Replace("\r\n", "").Trim())
            : Encoding.UTF8.GetBytes(body);
        parts.Add(new MimePart(string.IsNullOrEmpty(fileName) ? null : fileName, contentType, bytes));
    }

    /// <summary>The attachment a signed link names, read back as /media/public/{token} would read it.</summary>
    private long? LinkedAttachment(string url)
    {
        Assert.StartsWith($"{PublicUrl}/media/public/", url);
        return _links.Read(url[$"{PublicUrl}/media/public/".Length..]);
    }

    private async Task<List<long>> AttachmentIdsAsync(long messageId)
    {
        await using var db = _database.NewContext();
        return await db.Attachments.Where(a => a.MessageId == messageId).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync();
    }

    [Fact]
    public async Task Twilio_FilesGoAsOneMms_EachAMediaUrlTwilioFetches_WithTheCaptionAsBody()
    {
        var channel = await ChannelAsync(ChannelType.Sms, new TwilioSmsSettings
        {
            AccountSid = "AC123", AuthToken = "twilio-secret", FromNumber = "+15550001111", ApiBaseUrl = _provider.BaseUrl,
        });
        var conversationId = await ConversationAsync(channel, "+15551234567");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Seu comprovante",
            [await FileAsync(Jpeg, "foto.jpg", "image/jpeg"), await FileAsync(Pdf, "recibo.pdf", "application/pdf")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var request = Assert.Single(_provider.Requests);
        Assert.Equal("/2010-04-01/Accounts/AC123/Messages.json", request.PathAndQuery);
        var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.Body);
        Assert.Equal("+15551234567", form["To"].ToString());
        Assert.Equal("Seu comprovante", form["Body"].ToString());
        Assert.Equal(await AttachmentIdsAsync(reply.Id), form["MediaUrl"].Select(url => LinkedAttachment(url!)!.Value));
        Assert.DoesNotContain("twilio-secret", request.Body);
        Assert.Equal("SM1", sent.ExternalId);
    }

    [Fact]
    public async Task Messenger_TextThenEachFileAsAnAttachmentByUrl()
    {
        var channel = await ChannelAsync(ChannelType.Facebook, new FacebookSettings
        {
            PageId = "PAGE1", PageAccessToken = "page-token", AppSecret = "s", ApiBaseUrl = _provider.BaseUrl,
        });
        var conversationId = await ConversationAsync(channel, "psid-77");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Segue o manual",
            [await FileAsync(Jpeg, "foto.jpg", "image/jpeg"), await FileAsync(Pdf, "manual.pdf", "application/pdf")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var bodies = _provider.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("message")).ToList();
        Assert.Equal(3, bodies.Count);
        Assert.Equal("Segue o manual", bodies[0].GetProperty("text").GetString());
        var ids = await AttachmentIdsAsync(reply.Id);
        for (var i = 0; i < 2; i++)
        {
            var attachment = bodies[i + 1].GetProperty("attachment");
            Assert.Equal(i == 0 ? "image" : "file", attachment.GetProperty("type").GetString());
            Assert.Equal(ids[i], LinkedAttachment(attachment.GetProperty("payload").GetProperty("url").GetString()!));
            Assert.True(attachment.GetProperty("payload").GetProperty("is_reusable").GetBoolean());
        }

        Assert.Equal("m_1", sent.ExternalId);
    }

    [Fact]
    public async Task Instagram_RefusesADocumentThatIsNotAPdf_NamingWhatItTakes()
    {
        var channel = await ChannelAsync(ChannelType.Instagram, new InstagramSettings
        {
            PageId = "PAGE2", PageAccessToken = "page-token", AppSecret = "s", ApiBaseUrl = _provider.BaseUrl,
        });
        var conversationId = await ConversationAsync(channel, "igsid-1");
        var before = await MessageCountAsync(conversationId);

        var zip = await FileAsync([.. "PK\u0003\u0004"u8, 1, 2, 3], "dados.zip", "application/zip");

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, "Planilha", [zip]));

        Assert.Equal("O Instagram aceita documentos só em PDF.", refused.Message);
        Assert.Equal(before, await MessageCountAsync(conversationId));
    }

    [Fact]
    public async Task Line_ImagesAreImageMessagesByLink_AfterTheText_AndOtherKindsAreRefused()
    {
        var channel = await ChannelAsync(ChannelType.Line, new LineSettings
        {
            ChannelSecret = "s", ChannelAccessToken = "line-token", ApiBaseUrl = _provider.BaseUrl,
        });
        var conversationId = await ConversationAsync(channel, "U1234");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Fotos do pedido",
            [await FileAsync(Jpeg, "a.jpg", "image/jpeg"), await FileAsync(Jpeg, "b.jpg", "image/jpeg")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var request = Assert.Single(_provider.Requests);
        Assert.Equal("Bearer line-token", request.Headers["Authorization"]);
        var messages = JsonDocument.Parse(request.Body).RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["text", "image", "image"], messages.Select(m => m.GetProperty("type").GetString()));
        var ids = await AttachmentIdsAsync(reply.Id);
        Assert.Equal(ids, messages.Skip(1).Select(m => LinkedAttachment(m.GetProperty("originalContentUrl").GetString()!)!.Value));
        Assert.All(messages.Skip(1), m => Assert.Equal(m.GetProperty("originalContentUrl").GetString(), m.GetProperty("previewImageUrl").GetString()));

        var document = await FileAsync(Pdf, "a.pdf", "application/pdf");
        var pdf = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, "", [document]));
        Assert.Equal("O LINE só recebe imagens (JPEG/PNG) enviadas por aqui.", pdf.Message);
    }

    [Fact]
    public async Task WithoutAPublicUrl_TheChannelsThatFetchByLink_RefuseFiles_SayingWhatToSet()
    {
        var channel = await ChannelAsync(ChannelType.Sms, new TwilioSmsSettings
        {
            AccountSid = "AC123", AuthToken = "t", FromNumber = "+15550001111", ApiBaseUrl = _provider.BaseUrl,
        });
        var conversationId = await ConversationAsync(channel, "+15557654321");
        var withoutUrl = new TestConversations(_database, _hub, outbox: _outbox);
        var photo = await FileAsync(Jpeg, "a.jpg", "image/jpeg");

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => withoutUrl.Commands.ReplyAsync(conversationId, _ana, "Foto", [photo]));

        Assert.Equal("Defina TalkToMe:PublicUrl para enviar arquivos pelo SMS: ele busca cada arquivo por um endereço público.", refused.Message);
        // Text still goes.
        await withoutUrl.Commands.ReplyAsync(conversationId, _ana, "Sem anexo");
    }

    [Fact]
    public void SignedLinks_AreRefusedWhenTamperedWithOrExpired()
    {
        var link = _links.For(42)!;
        Assert.Equal(42, LinkedAttachment(link));
        var token = link[(link.LastIndexOf('/') + 1)..];
        Assert.Null(_links.Read(token[..^2] + (token[^2] == 'A' ? "BB" : "AA")));
        Assert.Null(_links.Read("not-a-token"));

        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var protection = new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider();
        var shortLived = new SignedMediaLinks(protection, Opts.Create(new PublicUrlOptions { PublicUrl = PublicUrl }),
            Opts.Create(new MediaOptions { LinkLifetime = TimeSpan.FromMinutes(10) }), clock);
        var fresh = shortLived.For(7)!;
        var freshToken = fresh[(fresh.LastIndexOf('/') + 1)..];
        Assert.Equal(7, shortLived.Read(freshToken));
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Null(shortLived.Read(freshToken));
    }

    /// <summary>Answers <paramref name="failure"/> to the <paramref name="nth"/> request of the test (once), the usual reply to the rest.</summary>
    private void FailRequest(int nth, FakeReply failure)
    {
        var usual = _provider.DefaultReply;
        var count = 0;
        _provider.DefaultReply = request => Interlocked.Increment(ref count) == nth ? failure : usual(request);
    }

    private async Task<List<byte[]>> UploadedFilesAsync(IEnumerable<RecordedRequest> requests, string field)
    {
        var files = new List<byte[]>();
        foreach (var request in requests.Where(r => r.ContentType?.StartsWith("multipart/form-data", StringComparison.Ordinal) == true))
        {
            files.Add((await FormAsync(request))[field].Bytes);
        }

        return files;
    }

    private async Task<IReadOnlyList<OutgoingFile>> ThreeFilesAsync() =>
        [await FileAsync(Numbered(1), "um.pdf", "application/pdf"), await FileAsync(Numbered(2), "dois.pdf", "application/pdf"),
            await FileAsync(Numbered(3), "tres.pdf", "application/pdf")];

    [Fact]
    public async Task Telegram_ThreeFiles_ServerErrorOnTheSecond_RetryResumes_EachFileDeliveredOnce()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Os três", await ThreeFilesAsync());
        FailRequest(2, new FakeReply(500, """{"ok":false,"description":"Internal Server Error"}"""));

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal(2, sent.DeliveryAttempts);
        var requests = _provider.Requests;
        // File 2 was refused once (500) and sent again; file 1 is not repeated.
        Assert.Equal([Numbered(1), Numbered(2), Numbered(2), Numbered(3)], await UploadedFilesAsync(requests, "document"));
        // The caption stays on file 1 only, and the message keeps file 1's id.
        Assert.Equal("Os três", Text((await FormAsync(requests[0]))["caption"].Bytes));
        Assert.False((await FormAsync(requests[2])).ContainsKey("caption"));
        Assert.Equal("1001", sent.ExternalId);
    }

    [Fact]
    public async Task Telegram_Resend_AfterTheSecondFileIsRefused_SendsOnlyTheSecondAndThird()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "", await ThreeFilesAsync());
        FailRequest(2, new FakeReply(400, """{"ok":false,"error_code":400,"description":"Bad Request: file is too big"}"""));

        var failed = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(2, _provider.Requests.Count);

        await _service.Commands.RetryAsync(reply.Id, _ana);
        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal([Numbered(2), Numbered(3)], await UploadedFilesAsync(_provider.Requests.Skip(2), "document"));
        Assert.Equal("1001", sent.ExternalId);
    }

    [Fact]
    public async Task Telegram_LongTextThenFile_ServerErrorOnTheFile_RetrySendsOnlyTheFile()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        // Two text parts (past 4096 characters), then the file.
        var text = string.Join(' ', Enumerable.Repeat("palavra", 700));
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, text, [await FileAsync(Pdf, "a.pdf", "application/pdf")]);
        FailRequest(3, new FakeReply(502, """{"ok":false,"description":"Bad Gateway"}"""));

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal([$"/bot{BotToken}/sendMessage", $"/bot{BotToken}/sendMessage", $"/bot{BotToken}/sendDocument", $"/bot{BotToken}/sendDocument"],
            _provider.Requests.Select(r => r.PathAndQuery));
        Assert.Equal("1001", sent.ExternalId);
    }

    [Fact]
    public async Task WhatsApp_ThreeFiles_ServerErrorOnTheSecond_RetryResumes_EachFileDeliveredOnce()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Os três", await ThreeFilesAsync());
        // Upload 1, message 1, upload 2, then message 2 fails.
        FailRequest(4, new FakeReply(500, """{"error":{"message":"Service temporarily unavailable","code":2}}"""));

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        Assert.Equal(2, sent.DeliveryAttempts);
        var requests = _provider.Requests;
        Assert.Equal(["/media", "/messages", "/media", "/messages", "/media", "/messages", "/media", "/messages"],
            requests.Select(r => r.PathAndQuery["/v21.0/1001".Length..]));
        // File 2 is uploaded again for its retry (Meta never showed it to the customer); files 1 and 3 go once.
        Assert.Equal([Numbered(1), Numbered(2), Numbered(2), Numbered(3)], await UploadedFilesAsync(requests, "file"));
        // The messages the customer got: each file once, by the id its last upload returned, the caption on the first.
        var accepted = requests.Where((r, i) => r.PathAndQuery.EndsWith("/messages", StringComparison.Ordinal) && i != 3)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("document")).ToList();
        Assert.Equal(["media-1", "media-4", "media-6"], accepted.Select(d => d.GetProperty("id").GetString()));
        Assert.Equal(["um.pdf", "dois.pdf", "tres.pdf"], accepted.Select(d => d.GetProperty("filename").GetString()));
        Assert.Equal("Os três", accepted[0].GetProperty("caption").GetString());
        Assert.All(accepted.Skip(1), d => Assert.False(d.TryGetProperty("caption", out _)));
        Assert.Equal("wamid.2", sent.ExternalId);
    }

    [Fact]
    public async Task WhatsApp_Resend_AfterTheSecondFileIsRefused_SendsOnlyTheSecondAndThird()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "", await ThreeFilesAsync());
        FailRequest(4, new FakeReply(400, """{"error":{"message":"(#131053) Media upload error","code":131053}}"""));

        var failed = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Failed, failed.DeliveryStatus);
        Assert.Equal(4, _provider.Requests.Count);

        await _service.Commands.RetryAsync(reply.Id, _ana);
        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var again = _provider.Requests.Skip(4).ToList();
        Assert.Equal(["/media", "/messages", "/media", "/messages"], again.Select(r => r.PathAndQuery["/v21.0/1001".Length..]));
        Assert.Equal([Numbered(2), Numbered(3)], await UploadedFilesAsync(again, "file"));
        Assert.Equal("wamid.2", sent.ExternalId);
    }

    [Fact]
    public async Task Messenger_ServerErrorOnTheSecondFile_RetrySendsOnlyTheFilesNotYetDelivered()
    {
        var channel = await ChannelAsync(ChannelType.Facebook, new FacebookSettings
        {
            PageId = "PAGE1", PageAccessToken = "page-token", AppSecret = "s", ApiBaseUrl = _provider.BaseUrl,
        });
        var conversationId = await ConversationAsync(channel, "psid-77");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Segue", await ThreeFilesAsync());
        // The text, file 1, then file 2 fails.
        FailRequest(3, new FakeReply(500, """{"error":{"message":"An unknown error occurred","code":1}}"""));

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var ids = await AttachmentIdsAsync(reply.Id);
        var bodies = _provider.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("message")).ToList();
        Assert.Equal("Segue", bodies[0].GetProperty("text").GetString());
        Assert.Equal([ids[0], ids[1], ids[1], ids[2]],
            bodies.Skip(1).Select(b => LinkedAttachment(b.GetProperty("attachment").GetProperty("payload").GetProperty("url").GetString()!)!.Value));
        Assert.Equal("m_1", sent.ExternalId);
    }

    [Fact]
    public async Task WhatsApp_LongText_ServerErrorOnTheSecondPart_RetrySendsOnlyTheSecond()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var text = string.Join(' ', Enumerable.Repeat("palavra", 700));
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, text);
        FailRequest(2, new FakeReply(503, """{"error":{"message":"Service unavailable","code":2}}"""));

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var bodies = _provider.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetProperty("body").GetString()).ToList();
        var parts = TextParts.Split(text, WhatsAppSender.MaxTextLength);
        Assert.Equal(2, parts.Count);
        Assert.Equal([parts[0], parts[1], parts[1]], bodies);
        Assert.Equal("wamid.1", sent.ExternalId);
    }

    [Fact]
    public async Task WhatsApp_Webp_IsUploadedThenSentAsASticker_TheTextGoingFirst()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "Obrigado!", [await FileAsync(Webp, "joinha.webp", "image/webp")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var requests = _provider.Requests;
        Assert.Equal(["/v21.0/1001/messages", "/v21.0/1001/media", "/v21.0/1001/messages"], requests.Select(r => r.PathAndQuery));
        Assert.Equal("Obrigado!", JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("text").GetProperty("body").GetString());
        var upload = await FormAsync(requests[1]);
        Assert.Equal("image/webp", Text(upload["type"].Bytes));
        Assert.Equal(Webp, upload["file"].Bytes);
        var sticker = JsonDocument.Parse(requests[2].Body).RootElement;
        Assert.Equal("sticker", sticker.GetProperty("type").GetString());
        Assert.Equal(["id"], sticker.GetProperty("sticker").EnumerateObject().Select(p => p.Name));
        Assert.Equal("media-2", sticker.GetProperty("sticker").GetProperty("id").GetString());
        // The thread shows the agent's sticker as a sticker, with the text beside it.
        var thread = await new InboxLookups(_database.Factory).MessageAsync(reply.Id);
        var attachment = Assert.Single(thread!.Attachments);
        Assert.Equal(MediaKind.Sticker, attachment.Kind);
        Assert.Equal("image/webp", attachment.ContentType);
        Assert.Equal("Obrigado!", thread.Caption);
    }

    [Fact]
    public async Task Telegram_Webp_GoesWithSendSticker()
    {
        var channel = await TelegramAsync();
        var conversationId = await ConversationAsync(channel, "4242");
        var reply = await _service.Commands.ReplyAsync(conversationId, _ana, "", [await FileAsync(Webp, "joinha.webp", "image/webp")]);

        var sent = await SendAsync(reply.Id);

        Assert.Equal(DeliveryStatus.Sent, sent.DeliveryStatus);
        var request = Assert.Single(_provider.Requests);
        Assert.Equal($"/bot{BotToken}/sendSticker", request.PathAndQuery);
        var form = await FormAsync(request);
        Assert.Equal("4242", Text(form["chat_id"].Bytes));
        Assert.Equal(Webp, form["sticker"].Bytes);
        Assert.Equal("image/webp", form["sticker"].ContentType);
        Assert.False(form.ContainsKey("caption"));
        Assert.Equal("🏷️ Figurinha", reply.Content);
    }

    [Fact]
    public async Task WhatsApp_StickerOverItsLimit_IsRefusedNamingIt_AndNothingIsStored()
    {
        var channel = await WhatsAppAsync();
        var conversationId = await ConversationAsync(channel, "5511987650000");
        var before = await MessageCountAsync(conversationId);
        var animated = new OutgoingFile("dança.webp", "image/webp", new StoredFile(new string('e', 64), 600 * 1024, AnimatedWebpHead));
        var still = new OutgoingFile("foto.webp", "image/webp", new StoredFile(new string('f', 64), 150 * 1024, Webp[..64]));

        var tooLarge = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, "", [animated]));
        var staticTooLarge = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, "", [still]));

        Assert.Equal("O WhatsApp aceita figurinhas de até 500 KB.", tooLarge.Message);
        Assert.Equal("O WhatsApp aceita figurinhas sem animação de até 100 KB (animadas: até 500 KB).", staticTooLarge.Message);
        // The reply box checks the browser's size before uploading: not knowing yet whether it moves, only the larger limit.
        Assert.Equal("O WhatsApp aceita figurinhas de até 500 KB.",
            Assert.Throws<ConversationRuleException>(() => MediaLimits.Require(ChannelType.WhatsApp, MediaLimits.KindOf("image/webp"), "image/webp", 600 * 1024)).Message);
        MediaLimits.Require(ChannelType.WhatsApp, MediaLimits.KindOf("image/webp"), "image/webp", 150 * 1024);
        Assert.Equal(before, await MessageCountAsync(conversationId));
        await using var db = _database.NewContext();
        Assert.False(await db.Attachments.AnyAsync(a => a.ConversationId == conversationId));
        Assert.Empty(_provider.Requests);
    }

    [Theory]
    [InlineData(ChannelType.WhatsApp)]
    [InlineData(ChannelType.Telegram)]
    public async Task WebpThatIsHtml_IsRefused_AndNothingIsStored(ChannelType type)
    {
        var channel = type == ChannelType.WhatsApp ? await WhatsAppAsync() : await TelegramAsync();
        var conversationId = await ConversationAsync(channel, type == ChannelType.WhatsApp ? "5511987650000" : "4242");
        var before = await MessageCountAsync(conversationId);
        var page = await FileAsync("<!DOCTYPE html><html><script>alert(1)</script></html>"u8.ToArray(), "figurinha.webp", "image/webp");

        var refused = await Assert.ThrowsAsync<ConversationRuleException>(() => _service.Commands.ReplyAsync(conversationId, _ana, "", [page]));

        Assert.Equal("O arquivo figurinha.webp não é o que diz ser (image/webp).", refused.Message);
        Assert.Equal(before, await MessageCountAsync(conversationId));
        Assert.Empty(_provider.Requests);
    }

    [Theory]
    [InlineData(ChannelType.Facebook, MediaKind.Image)]
    [InlineData(ChannelType.Email, MediaKind.Image)]
    [InlineData(ChannelType.Api, MediaKind.Image)]
    [InlineData(ChannelType.Website, MediaKind.Image)]
    [InlineData(ChannelType.WhatsApp, MediaKind.Sticker)]
    [InlineData(ChannelType.Telegram, MediaKind.Sticker)]
    public void Webp_IsAStickerWhereTheProviderHasThem_ElseAnImage(ChannelType type, MediaKind kind)
    {
        var media = Assert.Single(MediaLimits.Check(type, [new OutgoingFile("a.webp", "image/webp", new StoredFile(new string('a', 64), Webp.Length, Webp[..64]))]));

        Assert.Equal(kind, media.Kind);
        Assert.Equal("image/webp", media.ContentType);
    }

    [Theory]
    [InlineData(ChannelType.Instagram, "O Instagram aceita imagens só em JPEG/PNG.")]
    [InlineData(ChannelType.Line, "O LINE aceita imagens só em JPEG/PNG.")]
    [InlineData(ChannelType.Sms, "O SMS aceita imagens só em JPEG/PNG/GIF.")]
    public void Webp_WhereTheProviderTakesNone_IsRefusedNamingWhatItTakes(ChannelType type, string reason)
    {
        var refused = Assert.Throws<ConversationRuleException>(() =>
            MediaLimits.Check(type, [new OutgoingFile("a.webp", "image/webp", new StoredFile(new string('a', 64), Webp.Length, Webp[..64]))]));

        Assert.Equal(reason, refused.Message);
    }

    [Fact]
    public void Sniffer_RecognisesWebp_AndTellsAnAnimatedOne()
    {
        Assert.Equal("image/webp", MediaSniffer.Sniff(Webp));
        Assert.Equal("image/webp", MediaSniffer.Sniff(AnimatedWebpHead));
        Assert.False(MediaSniffer.IsAnimatedWebP(Webp));
        Assert.True(MediaSniffer.IsAnimatedWebP(AnimatedWebpHead));
        // RIFF alone is not WebP (a WAV is RIFF too).
        Assert.Equal("audio/wav", MediaSniffer.Sniff([.. "RIFF"u8, 0, 0, 0, 0, .. "WAVEfmt "u8]));
        Assert.Equal("text/html", MediaSniffer.Decide("image/webp", "<html><body>oi</body></html>"u8));
        Assert.True(MediaSniffer.IsDisguisedMarkup("image/webp", "text/html"));
        Assert.False(MediaSniffer.IsDisguisedMarkup("text/html", "text/html"));
    }
}
