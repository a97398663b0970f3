using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Hardening;

/// <summary>
/// One active channel of every type that takes requests from outside, each with known credentials, and requests to them
/// signed (or authorised) exactly as the provider would: the malformed-input and fuzz tests send through these.
/// </summary>
public sealed class HardeningChannels
{
    public const string TelegramSecret = "tg-secret";
    public const string MetaSecret = "meta-app-secret";
    public const string LineSecret = "line-secret";
    public const string TwilioToken = "twilio-auth-token";
    public const string PostmarkPassword = "postmark-pass";
    public const string MailgunKey = "mailgun-signing-key";

    private readonly ProviderFixture _fixture;

    private HardeningChannels(ProviderFixture fixture) => _fixture = fixture;

    public Channel Telegram { get; private set; } = null!;
    public Channel WhatsApp { get; private set; } = null!;
    public Channel Facebook { get; private set; } = null!;
    public Channel Instagram { get; private set; } = null!;
    public Channel Line { get; private set; } = null!;
    public Channel Sms { get; private set; } = null!;
    public Channel Postmark { get; private set; } = null!;
    public Channel Mailgun { get; private set; } = null!;
    public int ApiChannelId { get; private set; }
    public string ApiToken { get; private set; } = "";

    public static async Task<HardeningChannels> CreateAsync(ProviderFixture fixture)
    {
        var provider = fixture.Provider.BaseUrl;
        var channels = new HardeningChannels(fixture)
        {
            Telegram = await fixture.AddChannelAsync(ChannelType.Telegram,
                new TelegramSettings { BotToken = "1:x", WebhookSecretToken = TelegramSecret, ApiBaseUrl = provider }),
            WhatsApp = await fixture.AddChannelAsync(ChannelType.WhatsApp,
                new WhatsAppSettings { PhoneNumberId = "1065", AccessToken = "t", AppSecret = MetaSecret, VerifyToken = "v", ApiBaseUrl = provider }),
            Facebook = await fixture.AddChannelAsync(ChannelType.Facebook,
                new FacebookSettings { PageId = "1", PageAccessToken = "t", AppSecret = MetaSecret, VerifyToken = "v", ApiBaseUrl = provider }),
            Instagram = await fixture.AddChannelAsync(ChannelType.Instagram,
                new InstagramSettings { PageId = "1", PageAccessToken = "t", AppSecret = MetaSecret, VerifyToken = "v", ApiBaseUrl = provider }),
            Line = await fixture.AddChannelAsync(ChannelType.Line,
                new LineSettings { ChannelSecret = LineSecret, ChannelAccessToken = "t", ApiBaseUrl = provider }),
            Sms = await fixture.AddChannelAsync(ChannelType.Sms,
                new TwilioSmsSettings { AccountSid = "AC1", AuthToken = TwilioToken, FromNumber = "+5511400000000", ApiBaseUrl = provider }),
            Postmark = await fixture.AddChannelAsync(ChannelType.Email, new EmailSettings
            {
                EmailAddress = "suporte@loja.example", InboundProvider = InboundEmailProvider.Postmark, InboundWebhookPassword = PostmarkPassword,
            }),
            Mailgun = await fixture.AddChannelAsync(ChannelType.Email, new EmailSettings
            {
                EmailAddress = "vendas@loja.example", InboundProvider = InboundEmailProvider.Mailgun, MailgunSigningKey = MailgunKey,
            }),
        };
        (channels.ApiChannelId, channels.ApiToken) = await ApiChannels.CreateAsync(fixture.App.Services);
        return channels;
    }

    public static string TelegramPath(Channel c) => $"webhooks/telegram/{c.PublicKey}";
    public static string WhatsAppPath(Channel c) => $"webhooks/whatsapp/{c.PublicKey}";
    public static string MetaPath(Channel c) => $"webhooks/{(c.Type == ChannelType.Instagram ? "instagram" : "facebook")}/{c.PublicKey}";
    public static string LinePath(Channel c) => $"webhooks/line/{c.PublicKey}";
    public static string SmsPath(Channel c) => $"webhooks/sms/{c.PublicKey}";
    public static string EmailPath(Channel c) => $"webhooks/email/{c.PublicKey}";
    public string ApiPath => $"api/v1/channels/{ApiChannelId}/messages";

    /// <summary>A JSON request to a JSON endpoint with that endpoint's right credentials for these exact bytes.</summary>
    public HttpRequestMessage SignedJson(string endpoint, byte[] body)
    {
        var (path, header, value) = endpoint switch
        {
            "api" => (ApiPath, "Authorization", "Bearer " + ApiToken),
            "telegram" => (TelegramPath(Telegram), TelegramUpdate.SecretHeader, TelegramSecret),
            "whatsapp" => (WhatsAppPath(WhatsApp), MetaSignature.Header, "sha256=" + MetaSignature.Sign(MetaSecret, body)),
            "facebook" => (MetaPath(Facebook), MetaSignature.Header, "sha256=" + MetaSignature.Sign(MetaSecret, body)),
            "instagram" => (MetaPath(Instagram), MetaSignature.Header, "sha256=" + MetaSignature.Sign(MetaSecret, body)),
            "line" => (LinePath(Line), LineWebhook.SignatureHeader, LineWebhook.Sign(LineSecret, body)),
            "postmark" => (EmailPath(Postmark), "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("postmark:" + PostmarkPassword))),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(header, value);
        return request;
    }

    public static readonly string[] JsonEndpoints = ["api", "telegram", "whatsapp", "facebook", "instagram", "line", "postmark"];

    /// <summary>A Twilio form, signed over the URL the app is reached at plus the fields.</summary>
    public HttpRequestMessage SignedSms(IReadOnlyDictionary<string, string> fields, bool sign = true)
    {
        var path = SmsPath(Sms);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        if (sign)
        {
            request.Headers.TryAddWithoutValidation(TwilioWebhook.SignatureHeader, TwilioWebhook.Sign(TwilioToken, $"{_fixture.App.BaseUrl}/{path}", fields));
        }

        return request;
    }

    /// <summary>A Mailgun form; signed fresh unless told otherwise.</summary>
    public HttpRequestMessage SignedMailgun(Dictionary<string, string> fields, bool sign = true)
    {
        if (sign)
        {
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var token = Guid.NewGuid().ToString("N");
            fields["timestamp"] = timestamp;
            fields["token"] = token;
            fields["signature"] = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(MailgunKey), Encoding.UTF8.GetBytes(timestamp + token)));
        }

        return new HttpRequestMessage(HttpMethod.Post, EmailPath(Mailgun)) { Content = new FormUrlEncodedContent(fields) };
    }
}
