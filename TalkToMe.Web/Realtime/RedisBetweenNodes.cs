using System.Text.Json;
using StackExchange.Redis;
using TalkToMe.Core.Realtime;
using TalkToMe.Web.Agents;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Web.Realtime;

/// <summary>
/// Many nodes, one inbox: with <c>ConnectionStrings:Redis</c> set, every inbox event a node commits reaches the open
/// pages of every other node through Redis pub/sub, <c>/hubs/inbox</c> fans out through SignalR's Redis backplane, and
/// a deactivated or demoted user's open pages close on every node at once, and who views or types in a conversation shows on
/// every node. Without it one node works as before.
/// </summary>
public static class RedisBetweenNodes
{
    public const string ConnectionStringName = "Redis";

    public static IServiceCollection AddRedisBetweenNodes(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return services;
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException(
                $"ConnectionStrings:Redis (ConnectionStrings__Redis) is not a StackExchange.Redis configuration such as \"127.0.0.1:6379\": {ex.Message}");
        }

        // A node starts, and keeps serving its own pages, while Redis is down; the client reconnects by itself.
        options.AbortOnConnectFail = false;
        options.ClientName ??= $"talktome-{Environment.MachineName}";
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        services.AddSingleton<RedisInboxRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisInboxRelay>());
        // The connection string's channelPrefix, if any, keeps installations that share one Redis apart (both here and in
        // the relay's channels).
        services.AddSignalR().AddStackExchangeRedis(redis =>
        {
            redis.Configuration = options.Clone();
            // Its own connection: named apart from the relay's in Redis's CLIENT LIST.
            redis.Configuration.ClientName = options.ClientName + "-hub";
        });
        return services;
    }
}

/// <summary>Carries this node's committed inbox events and access changes to the other nodes, and theirs to this one.</summary>
public sealed class RedisInboxRelay(IConnectionMultiplexer redis, InboxEventHub events, UserAccessSignal access,
    TalkToMe.Core.Agents.AgentStatusSignal statuses, ConversationPresence presence, ILogger<RedisInboxRelay> logger) : IHostedService
{
    private static readonly RedisChannel EventsChannel = RedisChannel.Literal("talktome:inbox-events");
    private static readonly RedisChannel AccessChannel = RedisChannel.Literal("talktome:user-access");
    private static readonly RedisChannel StatusChannel = RedisChannel.Literal("talktome:agent-status");
    private static readonly RedisChannel PresenceChannel = RedisChannel.Literal("talktome:presence");

    /// <summary>Tells this node's own messages apart when Redis hands them back.</summary>
    private readonly string _node = Guid.NewGuid().ToString("N");

    private IDisposable? _events;
    private IDisposable? _access;
    private IDisposable? _statuses;
    private IDisposable? _presence;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(EventsChannel, (_, message) => Receive(message));
        await subscriber.SubscribeAsync(AccessChannel, (_, message) => ReceiveAccessChange(message));
        await subscriber.SubscribeAsync(StatusChannel, (_, message) => ReceiveStatusChange(message));
        await subscriber.SubscribeAsync(PresenceChannel, (_, message) => ReceivePresence(message));
        _events = events.SubscribeCommittedHere(Send);
        _access = access.SubscribeChangedHere(userId => Publish(AccessChannel, new Envelope(_node, "access", userId)));
        _statuses = statuses.SubscribeChangedHere(change =>
            Publish(StatusChannel, new Envelope(_node, "status", JsonSerializer.Serialize(change))));
        _presence = presence.SubscribeHere(signal =>
            Publish(PresenceChannel, new Envelope(_node, "presence", JsonSerializer.Serialize(signal))));
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        _events?.Dispose();
        _access?.Dispose();
        _statuses?.Dispose();
        _presence?.Dispose();
        return redis.GetSubscriber().UnsubscribeAllAsync();
    }

    private void Send(InboxEvent inboxEvent)
    {
        var type = inboxEvent switch
        {
            ConversationChanged => nameof(ConversationChanged),
            MessageAdded => nameof(MessageAdded),
            MessageUpdated => nameof(MessageUpdated),
            _ => null,
        };
        if (type is null)
        {
            logger.LogWarning("{Event} is not relayed to other nodes: add it to RedisInboxRelay", inboxEvent.GetType().Name);
            return;
        }

        Publish(EventsChannel, new Envelope(_node, type, JsonSerializer.Serialize(inboxEvent, inboxEvent.GetType())));
    }

    private void Publish(RedisChannel channel, Envelope envelope)
    {
        // Fire and forget keeps the committing thread from waiting on Redis; messages on one connection stay in order.
        // While Redis is away they are lost, and the other nodes resync their pages when it comes back.
        try
        {
            redis.GetSubscriber().Publish(channel, JsonSerializer.Serialize(envelope), CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            logger.LogWarning("Could not relay to other nodes: {Reason}", ex.Message);
        }
    }

    private void Receive(RedisValue message)
    {
        if (Read(message) is not { } envelope || envelope.Node == _node)
        {
            return;
        }

        InboxEvent? inboxEvent = envelope.Type switch
        {
            nameof(ConversationChanged) => JsonSerializer.Deserialize<ConversationChanged>(envelope.Body),
            nameof(MessageAdded) => JsonSerializer.Deserialize<MessageAdded>(envelope.Body),
            nameof(MessageUpdated) => JsonSerializer.Deserialize<MessageUpdated>(envelope.Body),
            _ => null,
        };
        if (inboxEvent is not null)
        {
            events.PublishFromOtherNode(inboxEvent);
        }
    }

    private void ReceiveAccessChange(RedisValue message)
    {
        if (Read(message) is { } envelope && envelope.Node != _node)
        {
            access.ChangedOnOtherNode(envelope.Body);
        }
    }

    /// <summary>An agent's availability changed on another node: this node's Agentes pages, app bars and assigner hear of it.</summary>
    private void ReceiveStatusChange(RedisValue message)
    {
        if (Read(message) is not { } envelope || envelope.Node == _node)
        {
            return;
        }

        try
        {
            if (JsonSerializer.Deserialize<TalkToMe.Core.Agents.AgentStatusChange>(envelope.Body) is { UserId: not null } change)
            {
                statuses.ChangedOnOtherNode(change);
            }
        }
        catch (JsonException ex)
        {
            logger.LogWarning("Ignored an unreadable status change from another node: {Reason}", ex.Message);
        }
    }

    /// <summary>Who views or types in a conversation on another node: this node's open threads show it.</summary>
    private void ReceivePresence(RedisValue message)
    {
        if (Read(message) is not { } envelope || envelope.Node == _node)
        {
            return;
        }

        try
        {
            if (JsonSerializer.Deserialize<PresenceSignal>(envelope.Body) is { Key: not null } signal)
            {
                presence.ApplyFromOtherNode(signal);
            }
        }
        catch (JsonException ex)
        {
            logger.LogWarning("Ignored an unreadable presence change from another node: {Reason}", ex.Message);
        }
    }

    private Envelope? Read(RedisValue message)
    {
        try
        {
            return JsonSerializer.Deserialize<Envelope>(message.ToString());
        }
        catch (JsonException ex)
        {
            // Another version of TalkToMe during a rolling upgrade, or something else on the channel: never fatal.
            logger.LogWarning("Ignored an unreadable message from another node: {Reason}", ex.Message);
            return null;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        logger.LogWarning("Redis connection lost ({Type}, {Failure}): other nodes' changes reach this node's pages when it returns",
            e.ConnectionType, e.FailureType);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        logger.LogInformation("Redis connection restored ({Type})", e.ConnectionType);
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            // Whatever the other nodes published meanwhile never arrived: open pages re-read what they show.
            events.RequestResync();
            // And they forgot who views conversations here: tell them now rather than at the next heartbeat.
            presence.AnnounceViewersHere();
        }
    }

    private sealed record Envelope(string Node, string Type, string Body);
}
