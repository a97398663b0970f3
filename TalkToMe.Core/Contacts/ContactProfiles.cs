using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Data;

namespace TalkToMe.Core.Contacts;

/// <summary>What a provider's profile API said about a customer: their display name, or why there is none.</summary>
public sealed record ProfileLookup(string? Name, string? Failure)
{
    public static ProfileLookup Found(string name) => new(name, null);

    public static ProfileLookup Failed(string reason) => new(null, reason);
}

/// <summary>
/// A provider's profile API for channels whose webhooks carry no sender name (Messenger, Instagram, LINE). The failure reason
/// must never contain the channel's token: it is logged.
/// </summary>
public interface IContactProfileSource
{
    bool Handles(ChannelType type);

    Task<ProfileLookup> LookUpAsync(ChannelSettings settings, string externalId, CancellationToken cancellationToken);
}

/// <summary>
/// Names new contacts after the webhook has answered: the endpoint stores the message first, then <see cref="Enqueue"/>s the
/// contact; this worker asks the provider for the name and renames the contact while it is still called by its raw id. A
/// failure (4xx, 5xx, timeout) leaves the id and is logged (without tokens); the message was stored long before. Lookups run
/// one at a time; when the queue is full (a provider outage during a burst of new customers) further ones are dropped.
/// </summary>
public sealed class ContactProfileService(IDbContextFactory<TalkToMeDbContext> factory, IEnumerable<IContactProfileSource> sources,
    ContactService contacts, ILogger<ContactProfileService> logger) : BackgroundService
{
    public const int MaxQueued = 10_000;

    private readonly System.Threading.Channels.Channel<(int ChannelId, string ExternalId)> _queue =
        System.Threading.Channels.Channel.CreateBounded<(int, string)>(
        new System.Threading.Channels.BoundedChannelOptions(MaxQueued)
            { SingleReader = true, FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for the name of the contact <paramref name="externalId"/> of the channel; never waits.</summary>
    public void Enqueue(int channelId, string externalId)
    {
        if (!_queue.Writer.TryWrite((channelId, externalId)))
        {
            logger.LogWarning("Fila de consulta de perfis cheia: o contato {ExternalId} do canal {ChannelId} fica com o id como nome.",
                externalId, channelId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (channelId, externalId) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await LookUpAsync(channelId, externalId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The exception's message may quote a URL; its type is enough to investigate and carries no token.
                logger.LogWarning("Consulta do perfil do contato {ExternalId} no canal {ChannelId} falhou: {Error}.",
                    externalId, channelId, ex.GetType().Name);
            }
        }
    }

    private async Task LookUpAsync(int channelId, string externalId, CancellationToken cancellationToken)
    {
        Channel? channel;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var stillRaw = await db.ContactIdentities.AsNoTracking()
                .AnyAsync(i => i.ChannelId == channelId && i.ExternalId == externalId && i.Contact.Name == externalId, cancellationToken);
            channel = stillRaw ? await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken) : null;
        }

        if (channel is null || channel.IsDeleted || sources.FirstOrDefault(s => s.Handles(channel.Type)) is not { } source)
        {
            return; // Already named (an agent, an earlier lookup) or nothing to ask.
        }

        var result = await source.LookUpAsync(channel.GetSettings(), externalId, cancellationToken);
        if (result.Name is null)
        {
            logger.LogWarning("Perfil do contato {ExternalId} no canal {ChannelId} ({Type}) não obtido; o contato fica com o id como nome: {Reason}",
                externalId, channelId, channel.Type, result.Failure);
            return;
        }

        await contacts.RenameIfStillExternalIdAsync(channelId, externalId, result.Name, cancellationToken);
    }
}
