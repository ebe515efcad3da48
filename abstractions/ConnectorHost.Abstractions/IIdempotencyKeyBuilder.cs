namespace ConnectorHost.Abstractions;

/// <summary>
/// Builds the <c>Idempotency-Key</c> values sent to MemorySync. One builder for the whole process, so that the same
/// source item version always yields the same key, whoever sends it.
/// </summary>
/// <remarks>
/// Keys are printable ASCII, at most 128 characters, namespaced by connector instance, and include the version, so a
/// key is never reused for a different body. Long or non-ASCII parts are replaced by a SHA-256 digest. Thread-safe.
/// </remarks>
public interface IIdempotencyKeyBuilder
{
    /// <summary>The key of one item version.</summary>
    /// <param name="connectorName">The connector instance name.</param>
    /// <param name="nativeId">The item's native id.</param>
    /// <param name="version">The item's version.</param>
    /// <returns>A stable key, e.g. <c>ch1:eng-wiki:12345:v7</c>.</returns>
    string ForItem(string connectorName, string nativeId, string version);

    /// <summary>The key of a request that carries several items (a bulk add): a digest of their keys, in order.</summary>
    /// <param name="connectorName">The connector instance name.</param>
    /// <param name="itemKeys">The keys of the items, in request order.</param>
    /// <returns>A stable key for exactly this sequence of items.</returns>
    string ForBatch(string connectorName, IEnumerable<string> itemKeys);
}
