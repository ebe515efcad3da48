using ConnectorHost.Abstractions;

namespace ConnectorHost.Plugins.Confluence.Tests.Support;

/// <summary>
/// A small stand-in for the host's ledger and cursor store: applies a run's changes the way the host does, with
/// MemorySync acknowledging at once. An upsert counts as delivered when its (id, version) is new; a checkpoint commits
/// the cursor and the next run starts from it; a delete or a prune forgets.
/// </summary>
internal sealed class TestLedger : IKnownItems
{
    private readonly Dictionary<string, KnownItem> _known = new(StringComparer.Ordinal);
    private readonly List<SourceItem> _deliveries = [];
    private readonly HashSet<(string Id, string Version)> _delivered = [];

    /// <summary>The last committed cursor.</summary>
    public string? Cursor { get; private set; }

    /// <summary>The position of the last committed checkpoint.</summary>
    public DateTimeOffset? Position { get; private set; }

    /// <summary>Every delivery (a new id and version), in order, across runs.</summary>
    public IReadOnlyList<SourceItem> Deliveries => _deliveries;

    /// <summary>The ids the ledger holds now.</summary>
    public IReadOnlyCollection<string> Ids => _known.Keys;

    /// <summary>The latest delivered state of each item.</summary>
    public SourceItem Latest(string id) => _deliveries.Last(d => d.NativeId == id);

    /// <summary>How many times an item was delivered, over all its versions.</summary>
    public int DeliveryCount(string id) => _deliveries.Count(d => d.NativeId == id);

    /// <summary>The number of upserts a run yielded that the ledger already had (skipped without delivery).</summary>
    public int SkippedUpserts { get; private set; }

    /// <summary>What the last run asked for when it requested pruning.</summary>
    public string? PruningRequested { get; private set; }

    public ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_known.GetValueOrDefault(nativeId));

    /// <summary>Runs the connector once from the committed cursor; a throw leaves the cursor where it was.</summary>
    /// <param name="connector">The connector.</param>
    /// <param name="stopAfterCheckpoints">Ends the run abruptly (like a crash) after this many checkpoints.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public async Task RunAsync(IConnector connector, int? stopAfterCheckpoints = null, CancellationToken cancellationToken = default)
    {
        var request = new ReadRequest { Cursor = Cursor, RunId = Guid.NewGuid().ToString("N"), KnownItems = this };
        var checkpoints = 0;
        await foreach (var change in connector.ReadChangesAsync(request, cancellationToken))
        {
            switch (change)
            {
                case Upsert upsert:
                    Apply(upsert.Item);
                    break;
                case Delete delete:
                    _known.Remove(delete.NativeId);
                    break;
                case Checkpoint checkpoint:
                    Cursor = checkpoint.Cursor;
                    Position = checkpoint.Position;
                    if (++checkpoints == stopAfterCheckpoints)
                    {
                        PruningRequested = request.PruningRequestedReason;
                        return;
                    }

                    break;
                default:
                    break;
            }
        }

        PruningRequested = request.PruningRequestedReason;
    }

    /// <summary>Prunes like the host: forgets every known id the full listing no longer has; returns them.</summary>
    public async Task<IReadOnlyList<string>> PruneAsync(IFullListing listing, CancellationToken cancellationToken = default)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var id in listing.ListNativeIdsAsync(cancellationToken))
        {
            listed.Add(id);
        }

        var gone = _known.Keys.Where(id => !listed.Contains(id)).ToList();
        foreach (var id in gone)
        {
            _known.Remove(id);
        }

        return gone;
    }

    private void Apply(SourceItem item)
    {
        if (!_delivered.Add((item.NativeId, item.Version)))
        {
            SkippedUpserts++;
            return;
        }

        _deliveries.Add(item);
        _known[item.NativeId] = new KnownItem(item.NativeId, item.Version, item.Fingerprint, DateTimeOffset.UnixEpoch);
    }
}
