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
    /// <returns>The delivered state, or <see langword="null"/> when the item was never delivered or was forgotten.</returns>
    ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken);
}

/// <summary>The delivered state of one item.</summary>
/// <param name="NativeId">The item's native id.</param>
/// <param name="Version">The version last delivered (or last seen unchanged).</param>
/// <param name="Fingerprint">The <see cref="SourceItem.Fingerprint"/> recorded with that version, if any.</param>
/// <param name="DeliveredAt">When that version was acknowledged.</param>
public sealed record KnownItem(string NativeId, string Version, string? Fingerprint, DateTimeOffset DeliveredAt);
