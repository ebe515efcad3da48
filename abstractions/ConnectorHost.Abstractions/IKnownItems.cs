namespace ConnectorHost.Abstractions;

/// <summary>
/// A read-only view of what the host has delivered for one connector instance (its ledger).
/// </summary>
/// <remarks>
/// Safe to call from any thread, at any time during a run. Lookups are cheap (an indexed read of a local store), but
/// connectors should prefer one lookup per item over listing everything. A connector that only needs to know whether
/// an item is unchanged since the host recorded it should ask <see cref="HasFingerprintAsync"/>: the host can answer
/// that from memory for every item of a run.
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

    /// <summary>
    /// Whether the host's last recorded state of an item (delivered or skipped) carries exactly this fingerprint: the
    /// quick check of a source that fingerprints items (e.g. by size and modification time) to skip reading
    /// unchanged ones.
    /// </summary>
    /// <param name="nativeId">The item's native id.</param>
    /// <param name="fingerprint">The fingerprint the item has now.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>
    /// <see langword="true"/> when the recorded fingerprint equals <paramref name="fingerprint"/> (ordinal);
    /// <see langword="false"/> when it differs, none was recorded, or the item is unknown.
    /// </returns>
    /// <remarks>Added in contract 1.1. The default asks <see cref="FindAsync"/>.</remarks>
    async ValueTask<bool> HasFingerprintAsync(string nativeId, string fingerprint, CancellationToken cancellationToken) =>
        await FindAsync(nativeId, cancellationToken).ConfigureAwait(false) is { } known
        && string.Equals(known.Fingerprint, fingerprint, StringComparison.Ordinal);
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
