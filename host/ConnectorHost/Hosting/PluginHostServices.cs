using ConnectorHost.Abstractions;
using ConnectorHost.Abstractions.MemorySync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Hosting;

/// <summary>
/// The host's shared services as every plugin container receives them. The MemorySync client and the cursor store
/// are handed over as deferred proxies: building a container (and proving its connector constructs) must not open the
/// state database or need MemorySync, so that <c>validate</c> and <c>plugins</c> work next to a running service.
/// </summary>
internal sealed class PluginHostServices(
    ILoggerFactory loggerFactory,
    TimeProvider time,
    IIdempotencyKeyBuilder keys,
    Func<IMemorySyncClient> memorySync,
    Func<ICursorStore> cursors)
{
    private readonly DeferredMemorySyncClient _memorySync = new(memorySync);
    private readonly DeferredCursorStore _cursors = new(cursors);

    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(time);
        services.AddSingleton(keys);
        services.AddSingleton<IMemorySyncClient>(_memorySync);
        services.AddSingleton<ICursorStore>(_cursors);
    }

    private sealed class DeferredCursorStore(Func<ICursorStore> factory) : ICursorStore
    {
        private readonly Lazy<ICursorStore> _inner = new(factory);

        public ValueTask<StoredCursor?> LoadAsync(string connectorName, CancellationToken cancellationToken) =>
            _inner.Value.LoadAsync(connectorName, cancellationToken);

        public ValueTask<StoredCursor> CommitAsync(string connectorName, string cursor, DateTimeOffset? position, CancellationToken cancellationToken) =>
            _inner.Value.CommitAsync(connectorName, cursor, position, cancellationToken);

        public ValueTask<IReadOnlyList<StoredCursor>> GetHistoryAsync(string connectorName, CancellationToken cancellationToken) =>
            _inner.Value.GetHistoryAsync(connectorName, cancellationToken);

        public ValueTask ResetAsync(string connectorName, CancellationToken cancellationToken) =>
            _inner.Value.ResetAsync(connectorName, cancellationToken);
    }

    private sealed class DeferredMemorySyncClient(Func<IMemorySyncClient> factory) : IMemorySyncClient
    {
        private readonly Lazy<IMemorySyncClient> _inner = new(factory);

        public Task<MemoryAddResult> AddAsync(string endUserId, MemoryItem item, MemoryWriteOptions? options, CancellationToken cancellationToken) =>
            _inner.Value.AddAsync(endUserId, item, options, cancellationToken);

        public Task<BulkAddResult> BulkAddAsync(string endUserId, IReadOnlyList<MemoryItem> items, MemoryWriteOptions? options, CancellationToken cancellationToken) =>
            _inner.Value.BulkAddAsync(endUserId, items, options, cancellationToken);

        public Task<MemoryQueryResult> QueryAsync(string endUserId, MemoryQuery query, CancellationToken cancellationToken) =>
            _inner.Value.QueryAsync(endUserId, query, cancellationToken);

        public Task<Memory> GetAsync(string endUserId, long memoryId, CancellationToken cancellationToken) =>
            _inner.Value.GetAsync(endUserId, memoryId, cancellationToken);

        public Task<Memory> UpdateLabelsAsync(string endUserId, long memoryId, MemoryLabels labels, CancellationToken cancellationToken) =>
            _inner.Value.UpdateLabelsAsync(endUserId, memoryId, labels, cancellationToken);

        public Task<ForgetResult> ForgetAsync(string endUserId, IReadOnlyCollection<long> memoryIds, CancellationToken cancellationToken) =>
            _inner.Value.ForgetAsync(endUserId, memoryIds, cancellationToken);

        public Task<MemorySyncHealth> GetHealthAsync(CancellationToken cancellationToken) =>
            _inner.Value.GetHealthAsync(cancellationToken);
    }
}
