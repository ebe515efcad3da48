using ConnectorHost.Abstractions;

namespace ConnectorHost.Plugins.Asana.Tests.Support;

/// <summary>
/// A small stand-in for the host's ledger and cursor store, applying changes the way the host does: an upsert is a
/// delivery when its (id, version) is new, a skip forgets what was delivered and remembers the fingerprint, a delete
/// forgets, a checkpoint commits the cursor the next run starts from. Every change is acknowledged at once, but
/// <see cref="FindAsync"/> answers from the state at the start of the run: the host acknowledges asynchronously, and
/// the connector must not rely on seeing its own changes of the current run.
/// </summary>
internal sealed class TestLedger : IKnownItems
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _items = new(StringComparer.Ordinal);
    private Dictionary<string, Entry> _known = new(StringComparer.Ordinal);

    public string? Cursor { get; private set; }

    public DateTimeOffset? Position { get; private set; }

    public int Commits { get; private set; }

    /// <summary>Every delivery ever made: (id, version), in order.</summary>
    public List<(string Id, string Version)> Deliveries { get; } = [];

    /// <summary>Ids whose delivered memories were forgotten (delete, skip or prune), in order.</summary>
    public List<string> Forgotten { get; } = [];

    /// <summary>The items MemorySync holds now.</summary>
    public IReadOnlyDictionary<string, SourceItem> Delivered
    {
        get
        {
            lock (_lock)
            {
                return _items.Where(kv => kv.Value.Item is not null)
                    .ToDictionary(kv => kv.Key, kv => kv.Value.Item!, StringComparer.Ordinal);
            }
        }
    }

    public ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_known.TryGetValue(nativeId, out var e)
                ? new KnownItem(nativeId, e.Item?.Version, e.Fingerprint, DateTimeOffset.UnixEpoch)
                : null);
        }
    }

    /// <summary>Takes the snapshot <see cref="FindAsync"/> answers from during the next run.</summary>
    public void BeginRun()
    {
        lock (_lock)
        {
            _known = new Dictionary<string, Entry>(_items, StringComparer.Ordinal);
        }
    }

    public void Apply(SourceChange change)
    {
        lock (_lock)
        {
            switch (change)
            {
                case Upsert { Item: var item }:
                    if (_items.TryGetValue(item.NativeId, out var known) && known.Item?.Version == item.Version)
                    {
                        return;
                    }

                    Deliveries.Add((item.NativeId, item.Version));
                    _items[item.NativeId] = new Entry(item, item.Fingerprint);
                    break;
                case Delete { NativeId: var id }:
                    Forget(id);
                    break;
                case Skip { NativeId: var id, Fingerprint: var fingerprint }:
                    Forget(id);
                    _items[id] = new Entry(null, fingerprint);
                    break;
                case Checkpoint { Cursor: var cursor, Position: var position }:
                    Cursor = cursor;
                    Position = position;
                    Commits++;
                    break;
            }
        }
    }

    /// <summary>Forgets every recorded item the listing does not name (the host's pruning, without its guard).</summary>
    public int Prune(IReadOnlyCollection<string> listed)
    {
        lock (_lock)
        {
            var keep = new HashSet<string>(listed, StringComparer.Ordinal);
            var gone = _items.Keys.Where(id => !keep.Contains(id)).ToList();
            foreach (var id in gone)
            {
                Forget(id);
            }

            return gone.Count;
        }
    }

    public int DeliveriesOf(string id)
    {
        lock (_lock)
        {
            return Deliveries.Count(d => d.Id == id);
        }
    }

    private void Forget(string id)
    {
        if (_items.Remove(id, out var entry) && entry.Item is not null)
        {
            Forgotten.Add(id);
        }
    }

    private sealed record Entry(SourceItem? Item, string? Fingerprint);
}
