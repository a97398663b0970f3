using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// push stages=1: when the server sent each render batch to a page and when the page acknowledged it, from the two Debug
/// events Blazor's RemoteRenderer logs ("Sending render batch {BatchId} …" and "Completing batch {BatchId} without
/// error"). Only this provider receives that category at Debug; the app's own logs stay at Warning. Batch ids count per
/// circuit, so the figures are read on runs with one page.
/// </summary>
internal sealed class RenderBatchLog : ILoggerProvider
{
    public const string Category = "Microsoft.AspNetCore.Components.Server.Circuits.RemoteRenderer";

    public ConcurrentQueue<(long BatchId, double At)> Sent { get; } = new();

    public ConcurrentQueue<(long BatchId, double At)> Acknowledged { get; } = new();

    /// <summary>Forgets what earlier runs logged: each run opens its own page, whose circuit counts batches from the start.</summary>
    public void Clear()
    {
        Sent.Clear();
        Acknowledged.Clear();
    }

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Logger(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Logger(RenderBatchLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var at = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values
                || values.FirstOrDefault(v => v.Key == "BatchId").Value is not long batchId)
            {
                return;
            }

            var queue = eventId.Name switch
            {
                "BeginUpdateDisplayAsync" => log.Sent,
                "CompletingBatchWithoutError" => log.Acknowledged,
                _ => null,
            };
            queue?.Enqueue((batchId, at));
        }
    }
}
