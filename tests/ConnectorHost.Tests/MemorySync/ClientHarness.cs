using System.Collections.Concurrent;
using ConnectorHost.MemorySync;
using ConnectorHost.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Tests.MemorySync;

/// <summary>
/// The client as the host builds it (<see cref="MemorySyncServiceCollectionExtensions.AddMemorySync"/>), with every
/// log line captured. Disposing it checks that no log line and no exception a test caught contains the API key.
/// </summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ConcurrentQueue<Exception> _caught = new();

    private readonly FakeTimeProvider? _fakeTime;

    private ClientHarness(ServiceProvider services, MemorySyncOptions options, CapturingLoggerProvider logs)
    {
        _services = services;
        _fakeTime = services.GetService<TimeProvider>() as FakeTimeProvider;
        Options = options;
        Logs = logs;
    }

    public MemorySyncOptions Options { get; }

    public CapturingLoggerProvider Logs { get; }

    public MemorySyncClient Client => _services.GetRequiredService<MemorySyncClient>();

    public FairLaneLimiter Lanes => _services.GetRequiredService<FairLaneLimiter>();

    public RetryAfterGate Gate => _services.GetRequiredService<RetryAfterGate>();

    public IServiceProvider Services => _services;

    /// <summary>A key no real account has, unique per harness, so a leak cannot be mistaken for another test's.</summary>
    public static string NewApiKey() => "ms_test_" + Guid.NewGuid().ToString("N");

    /// <summary>Builds the client for a server.</summary>
    /// <param name="baseUrl">The server.</param>
    /// <param name="configure">Changes to the test defaults (no client-side limit, fast retries).</param>
    /// <param name="timeProvider">The clock; the system clock when not given.</param>
    public static ClientHarness Create(Uri baseUrl, Action<MemorySyncOptions>? configure = null, TimeProvider? timeProvider = null) =>
        Create(baseUrl, NewApiKey(), configure, timeProvider);

    public static ClientHarness Create(
        Uri baseUrl, string apiKey, Action<MemorySyncOptions>? configure = null, TimeProvider? timeProvider = null)
    {
        var options = new MemorySyncOptions
        {
            BaseUrl = baseUrl,
            ApiKey = apiKey,
            Tier = MemorySyncTier.Unlimited,
            RetryBaseDelay = TimeSpan.Zero,
        };
        configure?.Invoke(options);

        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddMemorySync(options);
        return new ClientHarness(services.BuildServiceProvider(), options, logs);
    }

    /// <summary>Runs a call that must fail, and keeps the exception for the secret scan.</summary>
    public async Task<TException> ThrowsAsync<TException>(Func<MemorySyncClient, Task> call)
        where TException : Exception
    {
        try
        {
            await call(Client);
        }
        catch (Exception exception)
        {
            _caught.Enqueue(exception);
            return exception.Should().BeAssignableTo<TException>().Subject;
        }

        throw new AssertionException($"Expected {typeof(TException).Name}, but the call succeeded.");
    }

    /// <summary>
    /// Waits until a call has met a 429 and waits it out: the gate holds and the retry waits in its lane.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="sent">How many requests the server must have received by then.</param>
    /// <param name="lane">The lane the retry waits in.</param>
    public Task WaitUntilHeldAsync(ScriptedServer server, int sent, string lane = MemorySyncLane.Default) =>
        Eventually.TrueAsync(
            () => server.Received.Count == sent && Gate.HoldingUntil is not null
                  && Lanes.QueueLengths.GetValueOrDefault(lane) == 1,
            $"request {sent} met a 429 and its retry waits in lane {lane}");

    public async ValueTask DisposeAsync()
    {
        // Polly waits for executions still in flight (a call a failed test left behind) on the injected clock: a
        // fake clock must move for the disposal to end.
        var disposing = _services.DisposeAsync().AsTask();
        while (!disposing.IsCompleted && _fakeTime is not null)
        {
            await Task.WhenAny(disposing, Task.Delay(50));
            _fakeTime.Advance(TimeSpan.FromSeconds(1));
        }

        await disposing;
        AssertNoSecret();
    }

    /// <summary>Fails when the API key appears in a log line, a log's exception, or a caught exception.</summary>
    public void AssertNoSecret()
    {
        foreach (var entry in Logs.Entries)
        {
            entry.Text.Should().NotContain(Options.ApiKey, "log lines never carry the API key");
        }

        foreach (var exception in _caught)
        {
            Describe(exception).Should().NotContain(Options.ApiKey, "exceptions never carry the API key");
        }
    }

    private static string Describe(Exception exception)
    {
        var text = exception.ToString();
        if (exception is ConnectorHost.Abstractions.MemorySync.MemorySyncException failure)
        {
            text += $" {failure.ServerMessage} {failure.ErrorCode} {string.Join(' ', failure.Details)}";
        }

        return text;
    }
}

/// <summary>Keeps every log line (rendered message, properties and exception) of every category.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public void Clear() => _entries.Clear();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(pair => $"{pair.Key}={pair.Value}"))
                : "";
            entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), properties, exception?.ToString()));
        }
    }
}

/// <summary>One captured log line.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, string Message, string Properties, string? Exception)
{
    public string Text => $"{Category} {Level} {Message} {Properties} {Exception}";
}
