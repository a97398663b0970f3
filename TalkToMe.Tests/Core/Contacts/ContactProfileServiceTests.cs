using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Contacts;

/// <summary>The profile lookup's failures, against a fake Graph API on loopback: the id stays, the log says why, never the token.</summary>
public sealed class ContactProfileServiceTests : IAsyncLifetime
{
    private const string PageToken = "EAAG-secret-page-token-123";
    private const string Psid = "7400000000000001";

    private TestDatabase _db = null!;
    private FakeProvider _provider = null!;
    private ServiceProvider _http = null!;
    private readonly CapturingLogger _logger = new();
    private ContactProfileService? _service;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _provider = await FakeProvider.StartAsync();
        _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(CancellationToken.None);
        }

        await _http.DisposeAsync();
        await _provider.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<ContactProfileService> StartAsync(TimeSpan sendTimeout)
    {
        var source = new MessengerProfileSource(_http.GetRequiredService<IHttpClientFactory>(),
            Options.Create(new OutboundOptions { SendTimeout = sendTimeout }));
        var contacts = new ContactService(_db.Factory, _db.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance)));
        _service = new ContactProfileService(_db.Factory, [source], contacts, _logger);
        await _service.StartAsync(CancellationToken.None);
        return _service;
    }

    private async Task<int> ChannelWithUnnamedContactAsync()
    {
        await using var db = _db.NewContext();
        var channel = new Channel("Messenger", ChannelType.Facebook, Secrets.NewKey(), TestData.Now);
        channel.SetSettings(new FacebookSettings { PageId = "1122", PageAccessToken = PageToken, ApiBaseUrl = _provider.BaseUrl, ApiVersion = "v21.0" });
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        var contact = new Contact(Psid, TestData.Now);
        contact.AddIdentity(channel.Id, Psid);
        db.Contacts.Add(contact);
        await db.SaveChangesAsync();
        return channel.Id;
    }

    private async Task<string> ContactNameAsync()
    {
        await using var db = _db.NewContext();
        return (await db.ContactIdentities.Include(i => i.Contact).SingleAsync(i => i.ExternalId == Psid)).Contact.Name;
    }

    [Fact]
    public async Task LookUp_MetaRefusesTheToken_KeepsTheIdAndLogsTheReasonWithoutTheToken()
    {
        var channelId = await ChannelWithUnnamedContactAsync();
        _provider.Route(r => r.Method == "GET",
            _ => new FakeReply(400, """{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}"""));
        var service = await StartAsync(TimeSpan.FromSeconds(10));

        service.Enqueue(channelId, Psid);

        var warning = await _logger.NextWarningAsync();
        Assert.Contains("HTTP 400", warning);
        Assert.Contains("Invalid OAuth access token.", warning);
        Assert.DoesNotContain(PageToken, warning);
        Assert.Contains($"access_token={PageToken}", Assert.Single(_provider.RoutedRequests).PathAndQuery);
        Assert.Equal(Psid, await ContactNameAsync());
    }

    [Fact]
    public async Task LookUp_MetaDoesNotAnswerInTime_KeepsTheIdAndLogsTheTimeoutWithoutTheToken()
    {
        var channelId = await ChannelWithUnnamedContactAsync();
        using var hold = new ManualResetEventSlim();
        _provider.Route(r => r.Method == "GET", _ =>
        {
            hold.Wait(TimeSpan.FromSeconds(30));
            return new FakeReply(200, """{"first_name":"Tarde","last_name":"Demais"}""");
        });
        var service = await StartAsync(TimeSpan.FromMilliseconds(300));

        service.Enqueue(channelId, Psid);

        var warning = await _logger.NextWarningAsync();
        hold.Set();
        Assert.Contains("não respondeu", warning);
        Assert.DoesNotContain(PageToken, warning);
        Assert.Equal(Psid, await ContactNameAsync());
    }

    private sealed class CapturingLogger : ILogger<ContactProfileService>
    {
        private readonly System.Threading.Channels.Channel<string> _warnings = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public async Task<string> NextWarningAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await _warnings.Reader.ReadAsync(timeout.Token);
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                _warnings.Writer.TryWrite(formatter(state, exception) + (exception is null ? "" : " " + exception));
            }
        }
    }
}
