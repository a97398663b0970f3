using System.Net;
using System.Net.Http.Headers;
using System.Text;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Web.Hardening;

/// <summary>
/// Read nothing before authenticating: a request without credentials is refused before its body is read (the probe's 32
/// unauthenticated 9.5 MB e-mail posts took the app from 224 MB to 667 MB), bodies over an endpoint's limit get 413, and
/// every public endpoint answers 429 with Retry-After past its rate limit.
/// </summary>
public class PublicEndpointLimitsTests(ProviderFixture fixture) : IClassFixture<ProviderFixture>
{
    private const int NineAndAHalfMegabytes = 9_500_000;

    /// <summary>
    /// A body that counts what the client actually sent. With "Expect: 100-continue" the client sends nothing until the
    /// server asks for it, which Kestrel does only when the app starts reading: a refusal before reading sends 0 bytes.
    /// </summary>
    private sealed class CountingContent(long length) : HttpContent
    {
        public long Sent { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'a');
            while (Sent < length)
            {
                var size = (int)Math.Min(chunk.Length, length - Sent);
                await stream.WriteAsync(chunk.AsMemory(0, size));
                Sent += size;
            }
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }

    private HttpClient ExpectContinueClient() =>
        new(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) }) { BaseAddress = new Uri(fixture.App.BaseUrl + "/") };

    private static HttpRequestMessage Post(string path, HttpContent content, string? header = null, string? value = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        return request;
    }

    public static TheoryData<string, string?, string?, HttpStatusCode> Unauthenticated() => new()
    {
        { "postmark", null, null, HttpStatusCode.Unauthorized },
        { "postmark", "Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x:wrong")), HttpStatusCode.Forbidden },
        { "telegram", null, null, HttpStatusCode.Forbidden },
        { "telegram", TelegramUpdate.SecretHeader, "wrong", HttpStatusCode.Forbidden },
        { "whatsapp", null, null, HttpStatusCode.Unauthorized },
        { "line", null, null, HttpStatusCode.Unauthorized },
        { "sms", null, null, HttpStatusCode.Unauthorized },
        { "api", "Authorization", "Bearer wrong", HttpStatusCode.Unauthorized },
    };

    [Theory]
    [MemberData(nameof(Unauthenticated))]
    public async Task LargePostWithoutValidCredentials_IsRefusedWithoutItsBodyBeingRead(string endpoint, string? header, string? value,
        HttpStatusCode expected)
    {
        var channels = await HardeningChannels.CreateAsync(fixture);
        var path = endpoint switch
        {
            "postmark" => HardeningChannels.EmailPath(channels.Postmark),
            "telegram" => HardeningChannels.TelegramPath(channels.Telegram),
            "whatsapp" => HardeningChannels.WhatsAppPath(channels.WhatsApp),
            "line" => HardeningChannels.LinePath(channels.Line),
            "sms" => HardeningChannels.SmsPath(channels.Sms),
            _ => channels.ApiPath,
        };
        var content = new CountingContent(NineAndAHalfMegabytes);
        using var client = ExpectContinueClient();

        using var response = await client.SendAsync(Post(path, content, header, value));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(0, content.Sent);
    }

    public static TheoryData<string, int> OverLimit() => new()
    {
        { "postmark", 10 * 1024 * 1024 + 1 },
        { "telegram", 256 * 1024 + 1 },
        { "whatsapp", 256 * 1024 + 1 },
        { "facebook", 256 * 1024 + 1 },
        { "line", 256 * 1024 + 1 },
        { "sms", 256 * 1024 + 1 },
        { "mailgun", 10 * 1024 * 1024 + 1 },
        { "api", TalkToMe.Web.Endpoints.ApiChannelEndpoints.MaxBodyBytes + 1 },
    };

    [Theory]
    [MemberData(nameof(OverLimit))]
    public async Task BodyOverTheEndpointsLimit_Returns413WithoutReadingIt(string endpoint, int length)
    {
        var channels = await HardeningChannels.CreateAsync(fixture);
        // Credentials good enough to get past every check made before reading (signatures need the body, so any value).
        var (path, header, value) = endpoint switch
        {
            "postmark" => (HardeningChannels.EmailPath(channels.Postmark), "Authorization",
                "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("p:" + HardeningChannels.PostmarkPassword))),
            "telegram" => (HardeningChannels.TelegramPath(channels.Telegram), TelegramUpdate.SecretHeader, HardeningChannels.TelegramSecret),
            "whatsapp" => (HardeningChannels.WhatsAppPath(channels.WhatsApp), MetaSignature.Header, "sha256=00"),
            "facebook" => (HardeningChannels.MetaPath(channels.Facebook), MetaSignature.Header, "sha256=00"),
            "line" => (HardeningChannels.LinePath(channels.Line), LineWebhook.SignatureHeader, "AA=="),
            "sms" => (HardeningChannels.SmsPath(channels.Sms), TwilioWebhook.SignatureHeader, "AA=="),
            "mailgun" => (HardeningChannels.EmailPath(channels.Mailgun), "X-Unused", "x"),
            _ => (channels.ApiPath, "Authorization", "Bearer " + channels.ApiToken),
        };
        var content = new CountingContent(length);
        using var client = ExpectContinueClient();
        var request = Post(path, content, header, value);
        if (endpoint == "mailgun")
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, content.Sent);
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Returns413()
    {
        var channels = await HardeningChannels.CreateAsync(fixture);
        using var client = fixture.Client();
        var body = new StreamContent(new MemoryStream(new byte[300 * 1024]));
        var request = new HttpRequestMessage(HttpMethod.Post, HardeningChannels.TelegramPath(channels.Telegram)) { Content = body };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.TryAddWithoutValidation(TelegramUpdate.SecretHeader, HardeningChannels.TelegramSecret);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}

/// <summary>Rate limits on their own app, with limits small enough to reach in a test.</summary>
public class PublicRateLimitTests
{
    [Fact]
    public async Task PastTheLimit_Returns429WithRetryAfter_PerChannelAndPerClient()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["TalkToMe:RateLimits:PerChannel"] = "3",
            ["TalkToMe:RateLimits:PerIp"] = "8",
            ["TalkToMe:RateLimits:Window"] = "00:05:00",
            ["TalkToMe:SeedDemoData"] = "false",
        });
        using var client = app.CreateClient();
        async Task<HttpResponseMessage> PostAsync(string key) =>
            await client.PostAsync($"webhooks/telegram/{key}", new StringContent("{}", Encoding.UTF8, "application/json"));

        // Per channel: the fourth request to one channel in the window is refused; another channel still answers.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync("channel-a")).StatusCode);
        }

        var limited = await PostAsync("channel-a");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 300);
        Assert.Contains("Retry-After", await limited.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync("channel-b")).StatusCode);

        // Per client IP, whatever the channel: channels never used before are refused once the client has sent its 8.
        HttpResponseMessage? byIp = null;
        var answered = 5;
        for (var i = 0; i < 10 && byIp is null; i++)
        {
            var answer = await PostAsync($"channel-c{i}");
            if (answer.StatusCode == HttpStatusCode.TooManyRequests)
            {
                byIp = answer;
            }
            else
            {
                answered++;
            }
        }

        Assert.NotNull(byIp);
        Assert.InRange(answered, 6, 8);
        Assert.True(byIp.Headers.Contains("Retry-After"));
        // Pages are not under the public endpoints' limit.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.GetAsync("healthz")).StatusCode);
    }
}
