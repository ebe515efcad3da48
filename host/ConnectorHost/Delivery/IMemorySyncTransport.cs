using ConnectorHost.Abstractions.MemorySync;

namespace ConnectorHost.Delivery;

/// <summary>
/// The delivery pipeline's view of MemorySync: byte-exact bulk requests (so that the outbox can re-send exactly what
/// it stored), forgets and label updates. Implemented over the shared MemorySync client.
/// </summary>
internal interface IMemorySyncTransport
{
    /// <summary>Serializes one memory as a bulk-add item (deterministic: same item, same bytes).</summary>
    byte[] SerializeItem(MemoryItem item);

    /// <summary>Builds a bulk-add body from serialized items.</summary>
    byte[] ComposeBulkAdd(IReadOnlyList<byte[]> items, bool deduplicate);

    Task<BulkAddResult> SendBulkAddAsync(
        string endUserId, ReadOnlyMemory<byte> body, string idempotencyKey, CancellationToken cancellationToken);

    Task<ForgetResult> ForgetAsync(string endUserId, IReadOnlyCollection<long> memoryIds, CancellationToken cancellationToken);

    Task<Memory> UpdateLabelsAsync(string endUserId, long memoryId, MemoryLabels labels, CancellationToken cancellationToken);

    Task<MemorySyncHealth> GetHealthAsync(CancellationToken cancellationToken);
}
