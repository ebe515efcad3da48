namespace ConnectorHost.Abstractions;

/// <summary>
/// Reads a source and says what changed since a cursor. The host does everything else: delivery to MemorySync,
/// batching, retries, rate limits, cursor commits, the ledger of what was delivered, dead letters and metrics.
/// </summary>
/// <remarks>
/// <para>
/// The host resolves the connector from the instance's container in a new scope for every run and calls
/// <see cref="ReadChangesAsync"/> once per run. Runs of one instance never overlap.
/// </para>
/// <para>
/// Yield <see cref="Upsert"/> for every item that exists (new, changed, or possibly unchanged: the host skips items
/// whose version it already delivered, so re-yielding is cheap and safe), <see cref="Delete"/> for items the source
/// reports as deleted, <see cref="Skip"/> for items deliberately not delivered, and <see cref="Checkpoint"/> whenever
/// the changes yielded so far are enough to resume from a new cursor. The host commits a checkpoint's cursor only
/// after everything yielded before it has been acknowledged by MemorySync (or dead-lettered), so a crash never loses
/// an item; a connector should checkpoint regularly (every page, every few hundred items) to bound re-reading after
/// a crash. A run that ends without a checkpoint commits nothing.
/// </para>
/// <para>
/// Stream: keep memory bounded whatever the size of the source (no collecting the whole source first). Honour the
/// cancellation token promptly; when it fires, stop yielding and let <see cref="OperationCanceledException"/>
/// propagate. A run that ignores cancellation past the host's grace period is abandoned.
/// </para>
/// <para>
/// Throw <see cref="ConnectorException"/> with a message a person can act on when the source refuses (credentials,
/// permissions, missing space); any exception ends the run as Failed, the cursor stays where it was, and repeated
/// failures back off. Transient errors should be retried inside the connector (with the source's Retry-After) before
/// giving up.
/// </para>
/// </remarks>
public interface IConnector
{
    /// <summary>Streams the changes of the source since <see cref="ReadRequest.Cursor"/>.</summary>
    /// <param name="request">The cursor to resume from and what the host already knows.</param>
    /// <param name="cancellationToken">Fires when the run is stopped (shutdown, time budget, operator).</param>
    /// <returns>The changes, in the order they must be applied.</returns>
    IAsyncEnumerable<SourceChange> ReadChangesAsync(ReadRequest request, CancellationToken cancellationToken);
}

/// <summary>What the host passes to <see cref="IConnector.ReadChangesAsync"/>.</summary>
public sealed class ReadRequest
{
    /// <summary>
    /// The cursor of the last committed <see cref="Checkpoint"/>, exactly as the connector wrote it; <see langword="null"/>
    /// on the first run, after a cursor reset and on full syncs: read the source from the beginning.
    /// </summary>
    public string? Cursor { get; init; }

    /// <summary>
    /// <see langword="true"/> when an operator asked for a full re-read (<c>sync --full</c>). The cursor is then
    /// <see langword="null"/>; the host prunes afterwards if the connector implements <see cref="IFullListing"/>.
    /// </summary>
    public bool IsFullSync { get; init; }

    /// <summary>The id of this run, for logs and source-side tracing.</summary>
    public required string RunId { get; init; }

    /// <summary>What the host has delivered for this instance, for connectors that can skip reading unchanged items.</summary>
    public required IKnownItems KnownItems { get; init; }

    /// <summary>
    /// Where a connector whose every run enumerates its whole source (a folder walk) reports that enumeration, so
    /// that the host prunes against it instead of asking <see cref="IFullListing.ListNativeIdsAsync"/> for a second
    /// one. Set for connectors that implement <see cref="IFullListing"/>; <see langword="null"/> otherwise and on
    /// hosts older than contract 1.2.
    /// </summary>
    /// <remarks>Added in contract 1.2.</remarks>
    public IRunListing? Listing { get; init; }

    /// <summary>
    /// The reason given to <see cref="RequestPruning"/> during this run, or <see langword="null"/> when none was.
    /// </summary>
    public string? PruningRequestedReason => Volatile.Read(ref _pruningRequestedReason);

    /// <summary>
    /// Asks the host to prune after this run (see <see cref="IFullListing"/>) even though the prune interval has not
    /// passed: for example when the source's change feed expired and deletions may have been missed. Ignored for
    /// connectors that do not implement <see cref="IFullListing"/>. Thread-safe; the first reason wins.
    /// </summary>
    /// <param name="reason">Why, for the run report: e.g. "Asana sync token for project 1200 expired".</param>
    public void RequestPruning(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Interlocked.CompareExchange(ref _pruningRequestedReason, reason, null);
    }

    private string? _pruningRequestedReason;
}
