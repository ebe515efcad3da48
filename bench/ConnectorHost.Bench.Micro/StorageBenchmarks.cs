using BenchmarkDotNet.Attributes;
using ConnectorHost.Delivery;
using ConnectorHost.Storage;

namespace ConnectorHost.Bench.Micro;

/// <summary>
/// The state database on a real file: a ledger lookup per source item, the quick fingerprint check that replaced it
/// on the second-run path, a cursor commit per checkpoint, and the outbox and ledger writes of a delivered batch, with
/// 10,000 ledger entries present.
/// </summary>
[MemoryDiagnoser]
public class StorageBenchmarks
{
    private const int Entries = 10_000;
    private const string Fingerprint = "1234:638000000000000000:abcd";
    private const int BatchSize = 50;

    // A bulk-add body of 50 items of about 1 KB each, the size of the throughput scenario's documents.
    private readonly byte[] _batchBody = new byte[BatchSize * 1_100];
    private readonly ItemOutcome[] _outcomes =
        [.. Enumerable.Range(0, BatchSize).Select(i => new ItemOutcome(true, [i + 1L], null))];

    private string _folder = "";
    private StateDatabase _database = null!;
    private LiteDbDeliveryStore _store = null!;
    private LiteDbCursorStore _cursors = null!;
    private LedgerKnownItems _known = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "connector-host-bench-" + Guid.NewGuid().ToString("N"));
        var options = new StorageOptions { DataDirectory = _folder };
        _database = StateDatabase.Open(options, TimeProvider.System);
        _store = new LiteDbDeliveryStore(_database);
        _cursors = new LiteDbCursorStore(_database, options, TimeProvider.System);
        _database.Write(() =>
        {
            for (var i = 0; i < Entries; i++)
            {
                _database.Ledger.Insert(new LedgerDocument
                {
                    Id = StateDatabase.LedgerKey("handbook", NativeId(i)),
                    Connector = "handbook",
                    NativeId = NativeId(i),
                    State = LedgerState.Delivered,
                    Version = new string('a', 64),
                    Fingerprint = Fingerprint,
                    ContentHash = new string('b', 64),
                    LabelsHash = new string('c', 64),
                    MemoryIds = [i + 1],
                });
            }
        });
        _known = new LedgerKnownItems(_store, "handbook");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "ledger lookup (hit)")]
    public bool LedgerLookup() => _store.FindLedger("handbook", NativeId(_next++ % Entries)) is not null;

    [Benchmark(Description = "quick fingerprint check (hit, from the run's snapshot)")]
    public async Task<bool> FingerprintCheck() =>
        await _known.HasFingerprintAsync(NativeId(_next++ % Entries), Fingerprint, CancellationToken.None);

    [Benchmark(Description = "snapshot of 10,000 fingerprints (once per run)", OperationsPerInvoke = Entries)]
    public int FingerprintSnapshot() => LedgerSnapshot.Load(_store.LedgerSummaries("handbook")).Count;

    [Benchmark(Description = "cursor commit")]
    public async Task<long> CursorCommit() =>
        (await _cursors.CommitAsync("handbook", $"{{\"walk\":{_next++}}}", null, CancellationToken.None)).Revision;

    [Benchmark(Description = "one bulk batch through the outbox and the ledger (per item, 50 new items)", OperationsPerInvoke = BatchSize)]
    public long BulkBatch()
    {
        // What a delivered batch costs the store: its intent written before the request, then the answer applied
        // (a ledger entry per item and the intent removed), each its own durable transaction.
        var intent = _store.AddIntent(new OutboxDocument
        {
            Connector = "handbook",
            EndUserId = "bench",
            Kind = OutboxKind.BulkAdd,
            IdempotencyKey = "bench." + _next,
            Body = _batchBody,
            Items = [.. Enumerable.Range(0, BatchSize).Select(i => new OutboxItemDocument
            {
                NativeId = NativeId(Entries + _next * BatchSize + i),
                Version = new string('a', 64),
                Fingerprint = Fingerprint,
                ContentHash = new string('b', 64),
                LabelsHash = new string('c', 64),
                NewToLedger = true,
            })],
        });
        _next++;
        _store.ApplyBulkResult(intent, _outcomes, 0);
        return intent.Sequence;
    }

    private static string NativeId(int i) => $"{i / 1000:D4}/doc-{i:D7}.md";
}
