using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;
using TalkToMe.Tests.Support;

namespace TalkToMe.Tests.Core.Contacts;

/// <summary>
/// The profile look-up against a fake Graph API on loopback: failures keep the id and log why (never the token), and the
/// look-ups live in the database (ProfileLookups), claimed with a lease: they survive a restart, are retried after the
/// backoff and given up after the last attempt, are asked once across two nodes, and a dead node's claim is taken over.
/// </summary>
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

    /// <summary>A worker (one "node") on <paramref name="database"/>, with its own units of work and signal, as each node has.</summary>
    private ContactProfileService NewService(TestDatabase database, TimeProvider clock, TimeSpan sendTimeout, ProfileLookupSignal? signal = null)
    {
        signal ??= new ProfileLookupSignal();
        var options = Options.Create(new OutboundOptions { SendTimeout = sendTimeout });
        var source = new MessengerProfileSource(_http.GetRequiredService<IHttpClientFactory>(), options);
        var units = database.Units(new InboxEventHub(NullLogger<InboxEventHub>.Instance), profileLookups: signal);
        var contacts = new ContactService(database.Factory, units);
        return new ContactProfileService(database.Factory, units, [source], contacts, signal, clock, options, _logger);
    }

    private async Task<ContactProfileService> StartAsync(TimeSpan sendTimeout)
    {
        _service = NewService(_db, TimeProvider.System, sendTimeout);
        await _service.StartAsync(CancellationToken.None);
        return _service;
    }

    private async Task<int> ChannelWithUnnamedContactsAsync(TestDatabase database, params string[] psids)
    {
        await using var db = database.NewContext();
        var channel = new Channel("Messenger", ChannelType.Facebook, Secrets.NewKey(), TestData.Now);
        channel.SetSettings(new FacebookSettings { PageId = "1122", PageAccessToken = PageToken, ApiBaseUrl = _provider.BaseUrl, ApiVersion = "v21.0" });
        db.Channels.Add(channel);
        await db.SaveChangesAsync();
        foreach (var psid in psids)
        {
            var contact = new Contact(psid, TestData.Now);
            contact.AddIdentity(channel.Id, psid);
            db.Contacts.Add(contact);
        }

        await db.SaveChangesAsync();
        return channel.Id;
    }

    private Task<int> ChannelWithUnnamedContactAsync() => ChannelWithUnnamedContactsAsync(_db, Psid);

    private static async Task<string> ContactNameAsync(TestDatabase database, string psid = Psid)
    {
        await using var db = database.NewContext();
        return (await db.ContactIdentities.Include(i => i.Contact).SingleAsync(i => i.ExternalId == psid)).Contact.Name;
    }

    private static async Task<List<QueuedProfileLookup>> QueuedAsync(TestDatabase database)
    {
        await using var db = database.NewContext();
        return await db.ProfileLookups.AsNoTracking().ToListAsync();
    }

    private static string ProfilePath(string psid) => $"/v21.0/{psid}?fields=first_name,last_name&access_token={PageToken}";

    private void RouteProfiles(Func<RecordedRequest, FakeReply> reply) => _provider.Route(r => r.Method == "GET", reply);

    private static FakeReply Found(RecordedRequest request) =>
        new(200, $$"""{"first_name":"Cliente","last_name":"{{request.PathAndQuery.Split('?')[0].Split('/')[^1]}}"}""");

    [Fact]
    public async Task LookUp_MetaRefusesTheToken_KeepsTheIdAndLogsTheReasonWithoutTheToken()
    {
        var channelId = await ChannelWithUnnamedContactAsync();
        _provider.Route(r => r.Method == "GET",
            _ => new FakeReply(400, """{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}"""));
        var service = await StartAsync(TimeSpan.FromSeconds(10));

        await service.EnqueueAsync(channelId, Psid);

        var warning = await _logger.NextWarningAsync();
        Assert.Contains("HTTP 400", warning);
        Assert.Contains("Invalid OAuth access token.", warning);
        Assert.DoesNotContain(PageToken, warning);
        Assert.Contains($"access_token={PageToken}", Assert.Single(_provider.RoutedRequests).PathAndQuery);
        Assert.Equal(Psid, await ContactNameAsync(_db));
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

        await service.EnqueueAsync(channelId, Psid);

        var warning = await _logger.NextWarningAsync();
        hold.Set();
        Assert.Contains("não respondeu", warning);
        Assert.DoesNotContain(PageToken, warning);
        Assert.Equal(Psid, await ContactNameAsync(_db));
    }

    [Fact]
    public async Task Receive_FirstMessageOfUnnamedContact_StoresTheLookUpAndANewWorkerDoesItAfterARestart()
    {
        var channelId = await ChannelWithUnnamedContactsAsync(_db);
        RouteProfiles(Found);
        var conversations = new TestConversations(_db, new InboxEventHub(NullLogger<InboxEventHub>.Instance));
        // As MessengerWebhook parses it: no name in the payload, the id stands in for it.
        await conversations.Inbound.ReceiveAsync(new InboundMessage(channelId, Psid, Psid, "m-1", "Oi", LookUpProfile: true));
        await conversations.Inbound.ReceiveAsync(new InboundMessage(channelId, Psid, Psid, "m-2", "Tem alguém?", LookUpProfile: true));
        await conversations.Inbound.StopAsync(CancellationToken.None);

        // The node stopped before any worker ran: the look-up is a row, stored with the message.
        var queued = Assert.Single(await QueuedAsync(_db));
        Assert.Equal((channelId, Psid, 0, null), (queued.ChannelId, queued.ExternalId, queued.Attempts, queued.ClaimedBy));
        Assert.Empty(_provider.RoutedRequests);

        var restarted = NewService(_db, TimeProvider.System, TimeSpan.FromSeconds(10));
        Assert.Equal(1, await restarted.LookUpDueAsync());

        Assert.Equal($"Cliente {Psid}", await ContactNameAsync(_db));
        Assert.Equal(ProfilePath(Psid), Assert.Single(_provider.RoutedRequests).PathAndQuery);
        Assert.Empty(await QueuedAsync(_db));
    }

    [Fact]
    public async Task LookUp_ProviderKeepsFailing_IsRetriedAfterEachBackoffThenGivenUp()
    {
        var channelId = await ChannelWithUnnamedContactAsync();
        RouteProfiles(_ => new FakeReply(503, """{"error":{"message":"Service temporarily unavailable","code":2}}"""));
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Now));
        var service = NewService(_db, clock, TimeSpan.FromSeconds(10));
        await service.EnqueueAsync(channelId, Psid);

        Assert.Equal(1, await service.LookUpDueAsync());
        Assert.Single(_provider.RoutedRequests);
        foreach (var (delay, attempt) in ContactProfileService.RetryDelays.Select((d, i) => (d, i + 2)))
        {
            // Not before its time: the row waits in the table, and nobody asks the provider.
            clock.Advance(delay - TimeSpan.FromSeconds(1));
            Assert.Equal(0, await service.LookUpDueAsync());
            Assert.Equal(attempt - 1, _provider.RoutedRequests.Count);
            Assert.Equal(attempt - 1, Assert.Single(await QueuedAsync(_db)).Attempts);

            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(1, await service.LookUpDueAsync());
            Assert.Equal(attempt, _provider.RoutedRequests.Count);
        }

        Assert.Equal(ContactProfileService.MaxAttempts, _provider.RoutedRequests.Count);
        Assert.Empty(await QueuedAsync(_db));
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await service.LookUpDueAsync());
        Assert.Equal(ContactProfileService.MaxAttempts, _provider.RoutedRequests.Count);
        Assert.Equal(Psid, await ContactNameAsync(_db));
        var warnings = _logger.Warnings;
        Assert.Contains($"após {ContactProfileService.MaxAttempts} tentativas", warnings[^1]);
        Assert.All(warnings, w => Assert.DoesNotContain(PageToken, w));
    }

    [Fact]
    public async Task LookUp_ProviderFailsOnce_TheRetryAfterTheFirstBackoffNamesTheContact()
    {
        var channelId = await ChannelWithUnnamedContactAsync();
        var calls = 0;
        RouteProfiles(request => Interlocked.Increment(ref calls) == 1 ? new FakeReply(500, "{}") : Found(request));
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Now));
        var service = NewService(_db, clock, TimeSpan.FromSeconds(10));
        await service.EnqueueAsync(channelId, Psid);

        Assert.Equal(1, await service.LookUpDueAsync());
        Assert.Equal(Psid, await ContactNameAsync(_db));
        clock.Advance(ContactProfileService.RetryDelays[0]);
        Assert.Equal(1, await service.LookUpDueAsync());

        Assert.Equal($"Cliente {Psid}", await ContactNameAsync(_db));
        Assert.Equal(2, _provider.RoutedRequests.Count);
        Assert.Empty(await QueuedAsync(_db));
    }

    [Fact]
    public async Task LookUp_WorkerDiesHoldingTheClaim_AnotherWorkerTakesItAfterTheLease()
    {
        var channelId = await ChannelWithUnnamedContactAsync();
        using var hold = new ManualResetEventSlim();
        var calls = 0;
        RouteProfiles(request =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                hold.Wait(TimeSpan.FromSeconds(30));
            }

            return Found(request);
        });
        var clock = new FakeTimeProvider(new DateTimeOffset(TestData.Now));
        var dying = NewService(_db, clock, TimeSpan.FromSeconds(10));
        var survivor = NewService(_db, clock, TimeSpan.FromSeconds(10));
        await dying.EnqueueAsync(channelId, Psid);

        // The first node claims the look-up and is killed while the provider is still answering.
        using (var kill = new CancellationTokenSource())
        {
            var lookUp = dying.LookUpDueAsync(kill.Token);
            await _provider.WaitForRoutedRequestAsync(r => r.PathAndQuery == ProfilePath(Psid));
            await kill.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookUp);
        }

        hold.Set();
        var claimed = Assert.Single(await QueuedAsync(_db));
        Assert.NotNull(claimed.ClaimedBy);
        Assert.Equal(0, await survivor.LookUpDueAsync());

        clock.Advance(survivor.ClaimLease - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await survivor.LookUpDueAsync());
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await survivor.LookUpDueAsync());

        Assert.Equal($"Cliente {Psid}", await ContactNameAsync(_db));
        Assert.Equal(2, _provider.RoutedRequests.Count);
        Assert.Empty(await QueuedAsync(_db));
    }

    [Fact]
    public async Task PostgreSql_TwoNodesWith200PendingLookUps_AskTheProviderOnceForEach()
    {
        await using var database = await TestDatabase.CreatePostgreSqlAsync();
        var psids = Enumerable.Range(1, 200).Select(i => $"74000000{i:D8}").ToArray();
        var channelId = await ChannelWithUnnamedContactsAsync(database, psids);
        RouteProfiles(Found);
        var nodes = new[]
        {
            NewService(database, TimeProvider.System, TimeSpan.FromSeconds(10)),
            NewService(database, TimeProvider.System, TimeSpan.FromSeconds(10)),
        };
        foreach (var psid in psids)
        {
            await nodes[0].EnqueueAsync(channelId, psid);
        }

        var done = await Task.WhenAll(nodes.Select(n => Task.Run(() => n.LookUpDueAsync())));

        Assert.Equal(200, done.Sum());
        Assert.All(done, d => Assert.True(d > 0, "one node did every look-up: the claims never met"));
        var asked = _provider.RoutedRequests.Select(r => r.PathAndQuery).ToList();
        Assert.Equal(psids.Select(ProfilePath).Order(), asked.Order());
        Assert.Empty(await QueuedAsync(database));
        await using var db = database.NewContext();
        Assert.Equal(200, await db.Contacts.CountAsync(c => c.Name.StartsWith("Cliente ")));
    }

    private sealed class CapturingLogger : ILogger<ContactProfileService>
    {
        private readonly System.Threading.Channels.Channel<string> _warnings = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly List<string> _all = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_all)
                {
                    return [.. _all];
                }
            }
        }

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
                var text = formatter(state, exception) + (exception is null ? "" : " " + exception);
                lock (_all)
                {
                    _all.Add(text);
                }

                _warnings.Writer.TryWrite(text);
            }
        }
    }
}
