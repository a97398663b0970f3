using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;

namespace TalkToMe.Core.Conversations;

/// <summary>
/// The inbound pipeline's one entry (DESIGN "Inbound"): every channel hands its parsed message to <see cref="ReceiveAsync"/>.
/// Messages that arrive together are stored by one writer in one transaction (<see cref="InboundBatch"/>), and each caller
/// is answered only after the commit, so a 2xx still means "stored".
/// <para>
/// A hosted service: the writer starts with the host, or with the first message where no host runs (tests, tools).
/// <see cref="StopAsync"/> stops accepting messages, stores every one already accepted, then returns; a message offered
/// after that is refused with <see cref="InvalidOperationException"/> (the caller answers 5xx and the provider retries).
/// </para>
/// </summary>
public sealed class InboundWriter : IHostedService, IDisposable
{
    private const int MaxBatch = 200;

    private readonly InboundBatch _batch;
    private readonly Channel<PendingReceive> _queue = Channel.CreateUnbounded<PendingReceive>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> _writer;

    public InboundWriter(UnitOfWorkFactory units, IConversationFlows flows, TimeProvider time, ILogger<InboundWriter>? logger = null)
    {
        _batch = new InboundBatch(units, flows, time, logger);
        _writer = new Lazy<Task>(() => Task.Run(WriteAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Stores a customer's message: refused if the channel is not Ativo, a duplicate is answered as the first time.</summary>
    public async Task<InboundResult> ReceiveAsync(InboundMessage message, CancellationToken cancellationToken = default)
    {
        var text = MessageText.Require(message.Text);
        var externalContactId = message.ExternalContactId?.Trim();
        if (string.IsNullOrEmpty(externalContactId))
        {
            throw new ConversationRuleException(ServerText.Get("Error.ContactIdRequired", "Informe o identificador do contato."));
        }

        var externalMessageId = string.IsNullOrWhiteSpace(message.ExternalMessageId) ? null : message.ExternalMessageId.Trim();
        var pending = new PendingReceive(message with { Text = text, ExternalContactId = externalContactId, ExternalMessageId = externalMessageId });
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The inbound writer has stopped (the app is shutting down): the message was not stored.");
        }

        _ = _writer.Value;
        // The message is stored even if this caller stops waiting: it was accepted.
        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = _writer.Value;
        return Task.CompletedTask;
    }

    /// <summary>Refuses new messages, then waits until every accepted one is stored (or the host stops waiting).</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        // Started here if a message was accepted before the writer was: it is stored all the same.
        return _writer.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Refuses new messages; the writer goes on until the accepted ones are stored.</summary>
    public void Dispose() => _queue.Writer.TryComplete();

    private async Task WriteAsync()
    {
        var batch = new List<PendingReceive>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await _batch.StoreAsync(batch);
            }
            catch (Exception ex)
            {
                foreach (var item in batch)
                {
                    item.Result.TrySetException(ex);
                }
            }
        }
    }
}
