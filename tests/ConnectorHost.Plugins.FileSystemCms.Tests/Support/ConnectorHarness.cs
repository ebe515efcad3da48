using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>
/// Runs a connector plugin the way the host will, without the host: builds the instance's container (logging, a
/// <see cref="TimeProvider"/>, <c>IHttpClientFactory</c>, the bound options object, the <see cref="ConnectorInstance"/>),
/// lets the registrar add its services, resolves <see cref="IConnector"/> in a new scope per run, and applies the
/// changes to a <see cref="TestLedger"/>. Pruning follows <see cref="IFullListing"/> like the host's.
/// </summary>
public sealed class ConnectorHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private int _runs;

    private ConnectorHarness(ServiceProvider services, TestLedger ledger, CapturingLoggerProvider logs, FakeTimeProvider time)
    {
        _services = services;
        Ledger = ledger;
        Logs = logs;
        Time = time;
    }

    /// <summary>What the host recorded for the instance, across runs.</summary>
    public TestLedger Ledger { get; }

    /// <summary>Every log entry written by the plugin.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>The clock the plugin sees; it only moves when a test advances it.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The instance's service provider (for resolving the plugin's services in tests).</summary>
    public IServiceProvider Services => _services;

    /// <summary>Builds the container of one connector instance.</summary>
    /// <param name="plugin">The plugin's registrar.</param>
    /// <param name="options">The bound settings object, of the registrar's <see cref="IConnectorPlugin.OptionsType"/>.</param>
    /// <param name="configure">Replaces services after the registrar ran (test doubles).</param>
    /// <param name="ledger">
    /// The ledger to continue from (a restart of the host with other settings), or <see langword="null"/> for a new one.
    /// </param>
    /// <param name="instanceName">The instance name.</param>
    /// <returns>The harness.</returns>
    public static ConnectorHarness Create(
        IConnectorPlugin plugin,
        object options,
        Action<IServiceCollection>? configure = null,
        TestLedger? ledger = null,
        string instanceName = "test")
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ArgumentNullException.ThrowIfNull(options);
        if (!plugin.OptionsType.IsInstanceOfType(options))
        {
            throw new ArgumentException($"The options must be a {plugin.OptionsType}.", nameof(options));
        }

        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 2, 9, 0, 0, TimeSpan.Zero));
        var logs = new CapturingLoggerProvider();
        var instance = new ConnectorInstance(instanceName, plugin.GetType().Name, "test-user");
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddSingleton<TimeProvider>(time);
        services.AddHttpClient();
        services.AddSingleton(plugin.OptionsType, options);
        services.AddSingleton(instance);
        plugin.ConfigureServices(services, instance);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        return new ConnectorHarness(provider, ledger ?? new TestLedger(time), logs, time);
    }

    /// <summary>Runs the connector once from the committed cursor, applies its changes, and prunes like the host.</summary>
    /// <param name="fullSync">Whether it is a full sync (no cursor; every item read).</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>What the run did.</returns>
    public async Task<RunReport> RunAsync(bool fullSync = false, CancellationToken cancellationToken = default)
    {
        var report = new RunReport();
        await using var scope = _services.CreateAsyncScope();
        var connector = scope.ServiceProvider.GetRequiredService<IConnector>();
        var runListing = connector is IFullListing ? new RecordedListing() : null;
        var request = NewRequest(fullSync, runListing);
        await foreach (var change in connector.ReadChangesAsync(request, cancellationToken))
        {
            if (change is not Checkpoint)
            {
                report.Yielded++;
            }

            Ledger.Apply(change, report);
        }

        if (connector is IFullListing listing
            && (fullSync || listing.PruneInterval == TimeSpan.Zero || request.PruningRequestedReason is not null))
        {
            // Like the host: a complete enumeration reported during the run stands for the listing.
            report.ListedDuringTheRun = runListing!.Completed;
            var listed = runListing.Completed ? runListing.Ids : new HashSet<string>(StringComparer.Ordinal);
            if (!runListing.Completed)
            {
                await foreach (var nativeId in listing.ListNativeIdsAsync(cancellationToken))
                {
                    listed.Add(nativeId);
                }
            }

            report.Listed = listed.Count;
            Ledger.Prune(listed, report);
        }

        return report;
    }

    /// <summary>Starts a run without applying anything: for tests that watch the stream itself.</summary>
    /// <param name="fullSync">Whether it is a full sync.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The connector's changes, straight from <see cref="IConnector.ReadChangesAsync"/>.</returns>
    public async IAsyncEnumerable<SourceChange> ReadAsync(
        bool fullSync = false, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var scope = _services.CreateAsyncScope();
        var connector = scope.ServiceProvider.GetRequiredService<IConnector>();
        await foreach (var change in connector.ReadChangesAsync(NewRequest(fullSync), cancellationToken))
        {
            yield return change;
        }
    }

    /// <summary>Resolves a singleton service of the instance's container (the connector, for its capabilities).</summary>
    /// <typeparam name="T">The service type.</typeparam>
    /// <returns>The service.</returns>
    public T Resolve<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private sealed class RecordedListing : IRunListing
    {
        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

        public bool Completed { get; private set; }

        public void Add(string nativeId) => Ids.Add(nativeId);

        public void Complete() => Completed = true;
    }

    private ReadRequest NewRequest(bool fullSync, IRunListing? listing = null) => new()
    {
        Cursor = fullSync ? null : Ledger.Cursor,
        IsFullSync = fullSync,
        RunId = $"run-{Interlocked.Increment(ref _runs)}",
        KnownItems = Ledger,
        Listing = listing,
    };
}
