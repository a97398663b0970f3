using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TalkToMe.Tests.Support;

/// <summary>
/// Opt-in app log for chasing a failure seen only in a full run: with TALKTOME_TEST_LOG_DIR set, every test app writes
/// TalkToMe's information lines and everyone's warnings, timestamped, to its own file in that folder.
/// </summary>
public sealed class TestLogFile : ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly ConcurrentDictionary<string, Logger> _loggers = new();

    private TestLogFile(string path) => _writer = new StreamWriter(path, append: true) { AutoFlush = true };

    public static TestLogFile? FromEnvironment(string name)
    {
        var folder = Environment.GetEnvironmentVariable("TALKTOME_TEST_LOG_DIR");
        if (string.IsNullOrEmpty(folder))
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        return new TestLogFile(Path.Combine(folder, $"{DateTime.UtcNow:HHmmss}-{name}-{Guid.NewGuid():N}.log"));
    }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new Logger(this, c));

    public void Dispose() => _writer.Dispose();

    private void Write(string line)
    {
        lock (_writer)
        {
            _writer.WriteLine(line);
        }
    }

    private sealed class Logger(TestLogFile file, string category) : ILogger
    {
        private readonly bool _ours = category.StartsWith("TalkToMe", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= (_ours ? LogLevel.Information : LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                file.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
        }
    }
}
