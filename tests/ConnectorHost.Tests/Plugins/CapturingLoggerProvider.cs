using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.Plugins;

/// <summary>Keeps every log entry, with its structured properties, for assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            entries.Enqueue(new LogEntry(
                category,
                logLevel,
                formatter(state, exception),
                properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)));
        }
    }
}

/// <summary>One log entry: its category, level, rendered message and named properties.</summary>
internal sealed record LogEntry(
    string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Properties);
