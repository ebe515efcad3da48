using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.Configuration;
using ConnectorHost.Delivery;
using ConnectorHost.MemorySync;
using ConnectorHost.Scheduling;
using ConnectorHost.Status;
using ConnectorHost.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Hosting;

/// <summary>
/// Everything a working appliance is made of, composed once: the MemorySync client, the loaded plugins and connectors,
/// the state database and its stores, the runner and the operations. The service and the offline CLI verbs both stand
/// on it, so a connector behaves the same whoever runs it.
/// </summary>
internal sealed class ApplianceRuntime : IAsyncDisposable
{
    private readonly ServiceProvider _memorySyncServices;

    private ApplianceRuntime(
        HostConfiguration configuration,
        Appliance appliance,
        StateDatabase database,
        ServiceProvider memorySyncServices,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        Configuration = configuration;
        Appliance = appliance;
        Database = database;
        _memorySyncServices = memorySyncServices;
        Time = time;
        LoggerFactory = loggerFactory;
        Client = memorySyncServices.GetRequiredService<MemorySyncClient>();
        Transport = new MemorySyncTransport(Client);
        StorageOptions = new StorageOptions { DataDirectory = configuration.Host.DataDirectory };
        Store = new LiteDbDeliveryStore(database);
        Cursors = new LiteDbCursorStore(database, StorageOptions, time);
        History = new LiteDbRunHistory(database, StorageOptions);
        Runner = new ConnectorRunner(
            Store,
            Cursors,
            History,
            Leases,
            Transport,
            Keys,
            new DeliveryOptions
            {
                BatchSize = configuration.Delivery.BatchSize,
                MaxConcurrentBatches = configuration.Delivery.MaxConcurrentBatches,
                Deduplicate = configuration.Delivery.Deduplicate,
                MaxTextLength = configuration.Delivery.MaxTextLength,
            },
            new RunnerOptions { GracePeriod = configuration.Host.ShutdownGracePeriod, EnterLane = MemorySyncLane.Enter },
            time,
            loggerFactory);
        Status = new StatusService(appliance.Registry, History, Store, Cursors, Leases, time);
    }

    public HostConfiguration Configuration { get; }

    public Appliance Appliance { get; }

    public IConnectorRegistry Registry => Appliance.Registry;

    public StateDatabase Database { get; }

    public StorageOptions StorageOptions { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory LoggerFactory { get; }

    public MemorySyncClient Client { get; }

    public IMemorySyncTransport Transport { get; }

    public IdempotencyKeyBuilder Keys { get; } = new();

    public InProcessRunLeases Leases { get; } = new();

    public IDeliveryStore Store { get; }

    public LiteDbCursorStore Cursors { get; }

    public IRunHistory History { get; }

    public ConnectorRunner Runner { get; }

    public StatusService Status { get; }

    /// <summary>Loads plugins and connectors, then opens the state database.</summary>
    /// <exception cref="ConfigurationException">Connector settings are wrong (nothing was opened or written).</exception>
    /// <exception cref="StorageException">The state database cannot be used.</exception>
    public static async Task<ApplianceRuntime> CreateAsync(HostConfiguration configuration, ILoggerFactory loggerFactory, TimeProvider time)
    {
        var memorySyncServices = new ServiceCollection()
            .AddSingleton(loggerFactory)
            .AddSingleton(time)
            .AddMemorySync(ToOptions(configuration.MemorySync))
            .BuildServiceProvider();
        StateDatabase? database = null;
        Appliance? appliance = null;
        try
        {
            var client = memorySyncServices.GetRequiredService<MemorySyncClient>();
            var storage = new StorageOptions { DataDirectory = configuration.Host.DataDirectory };
            var hostServices = new PluginHostServices(
                loggerFactory,
                time,
                new IdempotencyKeyBuilder(),
                () => client,
                () => new LiteDbCursorStore(database ?? throw new InvalidOperationException("The state database is not open."), storage, time));
            appliance = await Appliance.LoadAsync(configuration, hostServices, loggerFactory);
            database = StateDatabase.Open(storage, time);
            var interrupted = new LiteDbRunHistory(database, storage).MarkInterrupted(time.GetUtcNow().ToUnixTimeMilliseconds());
            if (interrupted > 0)
            {
                loggerFactory.CreateLogger("ConnectorHost").LogWarning(
                    "{Count} run(s) were interrupted when the process last stopped; they resume from their last committed cursor",
                    interrupted);
            }

            return new ApplianceRuntime(configuration, appliance, database, memorySyncServices, time, loggerFactory);
        }
        catch
        {
            database?.Dispose();
            if (appliance is not null)
            {
                await appliance.DisposeAsync();
            }

            await memorySyncServices.DisposeAsync();
            throw;
        }
    }

    /// <summary>Fails fast when MemorySync is unreachable or answers with an error.</summary>
    /// <exception cref="MemorySyncException">What went wrong, without the API key.</exception>
    public async Task<MemorySyncHealth> CheckMemorySyncAsync(CancellationToken cancellationToken) =>
        await Transport.GetHealthAsync(cancellationToken);

    public ApplianceOperations CreateOperations(string source, DateTimeOffset? startedAt, CancellationToken serviceStopping) =>
        new(Registry, Runner, Status, Cursors, Store, Leases, Appliance.PluginStatuses, source, startedAt, serviceStopping);

    /// <summary>
    /// The schedules of the connectors that can run, each marked to run at start-up when it asks to, or when its
    /// misfire policy is <c>fireNow</c> and a firing fell into the time the host was down.
    /// </summary>
    public IReadOnlyList<ConnectorSchedule> Schedules()
    {
        var now = Time.GetUtcNow();
        var logger = LoggerFactory.CreateLogger("ConnectorHost.Scheduling");
        var schedules = new List<ConnectorSchedule>();
        foreach (var entry in Registry.Entries.Where(e => e.Enabled && e.Handle is not null && e.Schedule is not null))
        {
            var schedule = entry.Schedule!;
            if (schedule is { FireNowOnMisfire: true, RunOnStartup: false })
            {
                var lastRuns = History.Recent(entry.Name, 1);
                var lastStarted = lastRuns.Count == 0 ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(lastRuns[0].StartedAt);
                if (schedule.MissedSince(lastStarted, now) is { } missed)
                {
                    logger.LogInformation(
                        "{Connector} missed its run due at {Missed:u} while the host was down; it runs now (misfirePolicy fireNow)",
                        entry.Name, missed);
                    schedule = schedule with { RunOnStartup = true };
                }
            }

            schedules.Add(schedule);
        }

        return schedules;
    }

    public async ValueTask DisposeAsync()
    {
        await Appliance.DisposeAsync();
        Database.Dispose();
        await _memorySyncServices.DisposeAsync();
    }

    public static MemorySyncOptions ToOptions(MemorySyncSection section) => new()
    {
        BaseUrl = section.BaseUrl,
        ApiKey = section.ApiKey,
        ProjectId = section.ProjectId,
        Tier = section.Tier,
        Limits = section.Limits,
        RequestTimeout = section.RequestTimeout,
    };
}
