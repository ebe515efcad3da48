using ConnectorHost.Abstractions;

namespace ConnectorHost.Delivery;

/// <summary>
/// <see cref="IRunListing"/> for one run: marks each reported item in the run's <see cref="LedgerSnapshot"/>, so
/// that pruning can use the run's own enumeration instead of asking the connector for a listing.
/// </summary>
/// <remarks>
/// Memory stays what the snapshot already takes (a flag per entry). Items the ledger did not hold when the run began
/// need no mark: they are not prune candidates. When no snapshot can be taken (the run changed items before its
/// first report), the reports are dropped and pruning asks for the listing as before.
/// </remarks>
internal sealed class RunListing(LedgerKnownItems knownItems) : IRunListing
{
    private int _count;
    private volatile bool _complete;
    private volatile bool _unrecorded;

    /// <summary>How many items were reported.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Whether the run's snapshot holds a complete enumeration of the source: the connector said so, and every report
    /// was recorded. Otherwise pruning must ask for the listing.
    /// </summary>
    public bool IsComplete => _complete && !_unrecorded;

    public void Add(string nativeId)
    {
        ArgumentNullException.ThrowIfNull(nativeId);
        Interlocked.Increment(ref _count);
        if (knownItems.SnapshotBeforeAnyChange() is { } snapshot)
        {
            snapshot.MarkListed(nativeId);
        }
        else
        {
            _unrecorded = true;
        }
    }

    public void Complete() => _complete = true;
}
