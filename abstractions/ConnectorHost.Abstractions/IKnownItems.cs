namespace ConnectorHost.Abstractions;

/// <summary>
/// A read-only view of what the host has delivered for one connector instance (its ledger).
/// </summary>
/// <remarks>
/// Safe to call from any thread, at any time during a run. Lookups are cheap (an indexed read of a local store), but
/// connectors should prefer one lookup per item over listing everything.
/// </remarks>
public interface IKnownItems
{
    /// <summary>Finds the delivered state of an item.</summary>
    /// <param name="nativeId">The item's native id.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>
    /// The recorded state, or <see langword="null"/> when the item was never delivered nor skipped, or was forgotten.
    /// </returns>
    ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken);
}

/// <summary>What the host last recorded for one item.</summary>
/// <param name="NativeId">The item's native id.</param>
/// <param name="Version">
/// The version delivered (and acknowledged by MemorySync), or <see langword="null"/> when the item's last state was a
/// <see cref="Skip"/>.
/// </param>
/// <param name="Fingerprint">The fingerprint recorded with that state, if the connector gave one.</param>
/// <param name="RecordedAt">When that state was recorded.</param>
public sealed record KnownItem(string NativeId, string? Version, string? Fingerprint, DateTimeOffset RecordedAt);
