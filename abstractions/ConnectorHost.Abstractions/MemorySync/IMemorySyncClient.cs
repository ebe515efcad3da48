namespace ConnectorHost.Abstractions.MemorySync;

/// <summary>
/// The MemorySync HTTP API (<c>/memory/*</c>, <c>/health</c>), shared by the whole process.
/// </summary>
/// <remarks>
/// <para>
/// One instance serves every connector: it holds the account's API key, applies the account tier's rate limits fairly
/// across connectors, waits out 429 answers whose <c>Retry-After</c> is at most 120 seconds (holding back every other
/// request meanwhile), and retries server errors, timeouts and connection failures with exponential back-off and
/// jitter. Validation, authentication and not-found answers are never retried.
/// </para>
/// <para>
/// Every call names the MemorySync end user (<c>X-End-User-ID</c>) it acts for. Thread-safe. Failures throw
/// <see cref="MemorySyncException"/> subclasses; no exception text ever contains the API key.
/// </para>
/// </remarks>
public interface IMemorySyncClient
{
    /// <summary>Stores one memory (<c>POST /memory/add</c>).</summary>
    /// <param name="endUserId">The end user the memory belongs to.</param>
    /// <param name="item">The memory.</param>
    /// <param name="options">Idempotency key and deduplication; <see langword="null"/> for the service defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Created (with the id of the first stored memory), skipped, or suppressed by a quota.</returns>
    Task<MemoryAddResult> AddAsync(
        string endUserId, MemoryItem item, MemoryWriteOptions? options, CancellationToken cancellationToken);

    /// <summary>Stores up to 50 memories in one request (<c>POST /memory/bulk-add</c>).</summary>
    /// <param name="endUserId">The end user the memories belong to.</param>
    /// <param name="items">1 to 50 memories.</param>
    /// <param name="options">Idempotency key and deduplication; <see langword="null"/> for the service defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One result per item, in input order.</returns>
    Task<BulkAddResult> BulkAddAsync(
        string endUserId,
        IReadOnlyList<MemoryItem> items,
        MemoryWriteOptions? options,
        CancellationToken cancellationToken);

    /// <summary>Semantic recall (<c>POST /memory/query</c>).</summary>
    /// <param name="endUserId">The end user whose memories are searched.</param>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The memories found, best first (possibly none).</returns>
    Task<MemoryQueryResult> QueryAsync(string endUserId, MemoryQuery query, CancellationToken cancellationToken);

    /// <summary>Fetches one memory (<c>GET /memory/{id}</c>).</summary>
    /// <param name="endUserId">The end user the memory belongs to.</param>
    /// <param name="memoryId">The memory id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The memory.</returns>
    /// <exception cref="MemorySyncNotFoundException">No such memory, or not visible to this end user.</exception>
    Task<Memory> GetAsync(string endUserId, long memoryId, CancellationToken cancellationToken);

    /// <summary>Changes the labels of a memory (<c>PATCH /memory/{id}</c>); text cannot be changed in place.</summary>
    /// <param name="endUserId">The end user the memory belongs to.</param>
    /// <param name="memoryId">The memory id.</param>
    /// <param name="labels">The labels to set; <see langword="null"/> members stay as they are.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updated memory.</returns>
    Task<Memory> UpdateLabelsAsync(
        string endUserId, long memoryId, MemoryLabels labels, CancellationToken cancellationToken);

    /// <summary>Deletes memories (<c>DELETE /memory/forget</c>; a soft delete on the service side).</summary>
    /// <param name="endUserId">The end user the memories belong to.</param>
    /// <param name="memoryIds">The ids to forget; ids already forgotten are not an error.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What the service reports as deleted.</returns>
    Task<ForgetResult> ForgetAsync(
        string endUserId, IReadOnlyCollection<long> memoryIds, CancellationToken cancellationToken);

    /// <summary>Checks the service (<c>GET /health</c>, no authentication).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The service's health report.</returns>
    /// <exception cref="MemorySyncException">The service is unreachable or answered with an error status.</exception>
    Task<MemorySyncHealth> GetHealthAsync(CancellationToken cancellationToken);
}
