namespace ConnectorHost.Delivery;

/// <summary>How the host delivers to MemorySync (plugins.json <c>delivery</c>).</summary>
internal sealed class DeliveryOptions
{
    /// <summary>Items per bulk-add request, 1 to 50 (the service's maximum). Default 50.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>Bulk requests in flight per connector run. Default 4.</summary>
    public int MaxConcurrentBatches { get; set; } = 4;

    /// <summary>
    /// The service's <c>deduplicate</c> flag. Default false: the host already delivers each (item, version) once
    /// through its ledger and idempotency keys, and server-side text deduplication would merge two different source
    /// items that happen to share a text — forgetting one would then lose the other.
    /// </summary>
    public bool Deduplicate { get; set; }

    /// <summary>The longest memory text sent; longer items go to dead letters. Default 262,144 characters.</summary>
    public int MaxTextLength { get; set; } = 262_144;

    /// <summary>A bulk request is sealed early when its body would pass this size. Default 4 MiB.</summary>
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Memory ids per forget request. Default 200.</summary>
    public int ForgetBatchSize { get; set; } = 200;

    /// <summary>
    /// A partly filled batch is sent at a checkpoint once it has waited this long for more items, so slow sources
    /// still deliver promptly. Default 1 second.
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(1);
}
