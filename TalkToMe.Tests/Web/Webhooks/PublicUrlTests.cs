using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Tests.Web.Webhooks;

/// <summary>The app configured with TalkToMe:PublicUrl (as behind a reverse proxy) and a fake Twilio on loopback.</summary>
public sealed class PublicUrlFixture : IAsyncLifetime
{
    public const string PublicUrl = "https://talktome.example.com";

    public TestApp App { get; private set; } = null!;
    public FakeProvider Provider { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await FakeProvider.StartAsync();
        App = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            // A trailing slash as an admin might type it.
            ["TalkToMe:PublicUrl"] = PublicUrl + "/",
            ["TalkToMe:Outbound:RetryBaseDelay"] = "00:00:00.100",
            ["TalkToMe:Outbound:MaxRetryDelay"] = "00:00:00.500",
            ["TalkToMe:Outbound:MaxProbeDelay"] = "00:00:00.500",
        });
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public class PublicUrlTests(PublicUrlFixture fixture) : IClassFixture<PublicUrlFixture>
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "twilio-auth-token";

    private IDbContextFactory<TalkToMeDbContext> Db => fixture.App.Services.GetRequiredService<IDbContextFactory<TalkToMeDbContext>>();
    private InboundWriter Inbound => fixture.App.Services.GetRequiredService<InboundWriter>();
    private ConversationCommands Commands => fixture.App.Services.GetRequiredService<ConversationCommands>();

    private async Task<Channel> SmsChannelAsync(string statusCallbackUrl = "")
    {
        await using var db = await Db.CreateDbContextAsync();
        var channel = new Channel("SMS " + Guid.NewGuid().ToString("N")[..8], ChannelType.Sms, Secrets.NewKey(), DateTime.UtcNow);
        channel.SetSettings(new TwilioSmsSettings
        {
            AccountSid = AccountSid, AuthToken = AuthToken, FromNumber = "+5511400012345", ApiBaseUrl = fixture.Provider.BaseUrl,
            StatusCallbackUrl = statusCallbackUrl,
        });
        channel.SetSwitches(true, allowsActiveContact: false);
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        return channel;
    }

    /// <summary>A customer SMS, then the agent's reply; returns the reply and the form Twilio received.</summary>
    private async Task<(Message Reply, Dictionary<string, string> Form)> ReplyAsync(Channel channel, string sid)
    {
        var received = await Inbound.ReceiveAsync(new InboundMessage(channel.Id, "+5511987654321", null, "SM-in-" + sid, "Oi"));
        var before = fixture.Provider.Requests.Count;
        fixture.Provider.Enqueue(new FakeReply(201, $$"""{"sid":"{{sid}}","status":"queued"}"""));
        var reply = await Commands.ReplyAsync(received.ConversationId!.Value, new Actor(null, "Ana"), "Sua consulta foi remarcada.");
        var request = (await fixture.Provider.WaitForRequestsAsync(before + 1))[before];
        var form = QueryHelpers.ParseQuery(request.Body).ToDictionary(f => f.Key, f => f.Value.ToString());
        return (reply, form);
    }

    /// <summary>Waits on the inbox's own events (no polling) until the message reaches the status.</summary>
    private async Task<Message> WaitForStatusAsync(long messageId, DeliveryStatus status)
    {
        var changed = new SemaphoreSlim(0);
        using var subscription = fixture.App.Services.GetRequiredService<InboxEventHub>().Subscribe(e =>
        {
            if (e is MessageUpdated updated && updated.MessageId == messageId)
            {
                changed.Release();
            }
        });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var db = await Db.CreateDbContextAsync())
            {
                var message = await db.Messages.AsNoTracking().FirstAsync(m => m.Id == messageId);
                if (message.DeliveryStatus == status)
                {
                    return message;
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !await changed.WaitAsync(left))
                {
                    Assert.Fail($"Message {messageId} never reached {status}: {message.DeliveryStatus} ({message.FailureReason}).");
                }
            }
        }
    }

    [Fact]
    public async Task TwilioSend_WithoutItsOwnCallback_CarriesTheStatusCallbackBuiltFromPublicUrl()
    {
        var channel = await SmsChannelAsync();

        var (_, form) = await ReplyAsync(channel, "SM-public-1");

        Assert.Equal($"{PublicUrlFixture.PublicUrl}/webhooks/sms/{channel.PublicKey}", form["StatusCallback"]);
        Assert.Equal("Sua consulta foi remarcada.", form["Body"]);
    }

    [Fact]
    public async Task TwilioSend_WithTheChannelsOwnCallback_KeepsThatOverride()
    {
        var channel = await SmsChannelAsync("https://proxy.example.net/twilio/status");

        var (_, form) = await ReplyAsync(channel, "SM-public-2");

        Assert.Equal("https://proxy.example.net/twilio/status", form["StatusCallback"]);
    }

    [Fact]
    public async Task TwilioStatusCallback_SignedOverThePublicUrl_IsAcceptedBehindTheProxy()
    {
        var channel = await SmsChannelAsync();
        var (reply, _) = await ReplyAsync(channel, "SM-public-3");
        await WaitForStatusAsync(reply.Id, DeliveryStatus.Sent);
        var status = new Dictionary<string, string> { ["MessageSid"] = "SM-public-3", ["MessageStatus"] = "delivered", ["AccountSid"] = AccountSid };
        // Twilio signs the URL it was given (the public one), not the address the proxy forwards to.
        var signature = TwilioWebhook.Sign(AuthToken, $"{PublicUrlFixture.PublicUrl}/webhooks/sms/{channel.PublicKey}", status);
        using var client = fixture.App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"webhooks/sms/{channel.PublicKey}") { Content = new FormUrlEncodedContent(status) };
        request.Headers.Add(TwilioWebhook.SignatureHeader, signature);

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForStatusAsync(reply.Id, DeliveryStatus.Delivered);
    }

    [Fact]
    public async Task ChannelApi_ShowsTheWebhookUrlUnderPublicUrl()
    {
        var channel = await SmsChannelAsync();
        string token;
        await using (var scope = fixture.App.Services.CreateAsyncScope())
        {
            var admin = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(TestApp.AdminEmail);
            token = (await fixture.App.Services.GetRequiredService<ApiTokenService>().CreateAsync(admin!.Id, "public-url")).Value!;
        }

        using var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var dto = await client.GetFromJsonAsync<JsonElement>($"api/v1/channels/{channel.Id}");

        Assert.Equal($"{PublicUrlFixture.PublicUrl}/webhooks/sms/{channel.PublicKey}",
            dto.GetProperty("connection").GetProperty("webhookUrl").GetString());
    }

    [Fact]
    public async Task Start_WithAPublicUrlThatIsNotAnHttpUrl_FailsWithAClearMessage()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() =>
            TestApp.StartAsync(new Dictionary<string, string?> { ["TalkToMe:PublicUrl"] = "talktome.example.com" }));

        Assert.Contains("TalkToMe:PublicUrl", error.Message);
    }
}
