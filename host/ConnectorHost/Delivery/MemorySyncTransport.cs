using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;

namespace ConnectorHost.Delivery;

/// <summary>The delivery pipeline's transport over the shared MemorySync client.</summary>
internal sealed class MemorySyncTransport(MemorySyncClient client) : IMemorySyncTransport
{
    public byte[] SerializeItem(MemoryItem item) => MemorySyncWire.SerializeItem(item);

    public byte[] ComposeBulkAdd(IReadOnlyList<byte[]> items, bool deduplicate) => MemorySyncWire.ComposeBulkAdd(items, deduplicate);

    public Task<BulkAddResult> SendBulkAddAsync(
        string endUserId, ReadOnlyMemory<byte> body, string idempotencyKey, CancellationToken cancellationToken) =>
        client.BulkAddRawAsync(endUserId, body, idempotencyKey, cancellationToken);

    public Task<ForgetResult> ForgetAsync(string endUserId, IReadOnlyCollection<long> memoryIds, CancellationToken cancellationToken) =>
        client.ForgetAsync(endUserId, memoryIds, cancellationToken);

    public Task<Memory> UpdateLabelsAsync(string endUserId, long memoryId, MemoryLabels labels, CancellationToken cancellationToken) =>
        client.UpdateLabelsAsync(endUserId, memoryId, labels, cancellationToken);

    public Task<MemorySyncHealth> GetHealthAsync(CancellationToken cancellationToken) => client.GetHealthAsync(cancellationToken);
}
