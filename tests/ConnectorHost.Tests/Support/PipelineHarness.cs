using ConnectorHost.Abstractions;
using ConnectorHost.Delivery;
using ConnectorHost.Scheduling;
using ConnectorHost.Storage;
using ConnectorHost.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConnectorHost.Tests.Support;

/// <summary>The real delivery pipeline (runner, session, LiteDB stores) over a <see cref="FakeMemorySync"/>.</summary>
internal sealed class PipelineHarness : IDisposable
{
    private readonly TempDirectory _directory = new("pipeline");
    private StateDatabase _database;

    public PipelineHarness(ListConnector? connector = null, DeliveryOptions? delivery = null, RunnerOptions? runner = null)
    {
        Connector = connector ?? new ListConnector();
        Delivery = delivery ?? new DeliveryOptions { BatchSize = 5, MaxConcurrentBatches = 2 };
        Runner = runner ?? new RunnerOptions { GracePeriod = TimeSpan.FromSeconds(5) };
        StorageOptions = new StorageOptions { DataDirectory = _directory.Combine("data") };
        _database = StateDatabase.Open(StorageOptions, TimeProvider.System);
        Handle = new ConnectorHandle
        {
            Instance = new ConnectorInstance("wiki", "Test", "user-1"),
            Services = new ServiceCollection().AddSingleton<IConnector>(Connector).BuildServiceProvider(),
            MaxDeletePercent = 20,
        };
    }

    public ListConnector Connector { get; }

    public FakeMemorySync MemorySync { get; } = new();

    public DeliveryOptions Delivery { get; }

    public RunnerOptions Runner { get; }

    public StorageOptions StorageOptions { get; }

    public ConnectorHandle Handle { get; set; }

    public StateDatabase Database => _database;

    public IDeliveryStore Store => new LiteDbDeliveryStore(_database);

    public LiteDbCursorStore Cursors => new(_database, StorageOptions, TimeProvider.System);

    public IRunHistory History => new LiteDbRunHistory(_database, StorageOptions);

    public InProcessRunLeases Leases { get; } = new();

    public ConnectorRunner CreateRunner() =>
        new(Store, Cursors, History, Leases, MemorySync, new IdempotencyKeyBuilder(), Delivery, Runner,
            TimeProvider.System, NullLoggerFactory.Instance);

    public Task<RunReport> RunAsync(RunRequest? request = null, CancellationToken stop = default) =>
        CreateRunner().RunAsync(Handle, request ?? new RunRequest("manual"), stop);

    /// <summary>Closes and reopens the database, as a restart of the process would.</summary>
    public void Restart()
    {
        _database.Dispose();
        _database = StateDatabase.Open(StorageOptions, TimeProvider.System);
    }

    public LedgerDocument? Ledger(string nativeId) => Store.FindLedger(Handle.Name, nativeId);

    public async Task<StoredCursor?> CursorAsync() => await Cursors.LoadAsync(Handle.Name, CancellationToken.None);

    public void Dispose()
    {
        _database.Dispose();
        _directory.Dispose();
    }
}
