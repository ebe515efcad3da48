using System.Text.Json;

namespace ConnectorHost.Abstractions.MemorySync;

/// <summary>A memory to store (the body of <c>/memory/add</c>, an item of <c>/memory/bulk-add</c>).</summary>
public sealed record MemoryItem
{
    /// <summary>The text; the service rejects text shorter than 10 characters after trimming.</summary>
    public required string Text { get; init; }

    /// <summary>Where the memory comes from (at most 64 characters), e.g. <c>confluence</c>.</summary>
    public string? Source { get; init; }

    /// <summary>The kind of event, e.g. <c>confluence_page</c>.</summary>
    public string? EventType { get; init; }

    /// <summary>Tags; the service lower-cases and de-duplicates them.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Importance from 0 to 1; the service defaults to 0.5.</summary>
    public double? Importance { get; init; }

    /// <summary>Arbitrary JSON-serializable metadata (see <see cref="SourceItem.Metadata"/> for the value types).</summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; init; }

    /// <summary>Minutes until the memory expires, at least 1; <see langword="null"/> for never.</summary>
    public int? TtlMinutes { get; init; }
}

/// <summary>Options of a write.</summary>
public sealed record MemoryWriteOptions
{
    /// <summary>
    /// Sent as <c>Idempotency-Key</c>: the service answers a repeated key with the first answer instead of storing
    /// again. Never reuse a key for a different body (see <see cref="IIdempotencyKeyBuilder"/>).
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// The service's <c>deduplicate</c> flag (its default is <see langword="true"/>): identical text of the same end
    /// user is answered with "skipped" and stores nothing. <see langword="null"/> leaves the service default.
    /// </summary>
    public bool? Deduplicate { get; init; }
}

/// <summary>A stored memory (the service's <c>MemoryResponse</c>).</summary>
public sealed record Memory
{
    /// <summary>The memory id.</summary>
    public required long Id { get; init; }

    /// <summary>The text.</summary>
    public required string Text { get; init; }

    /// <summary>The source label.</summary>
    public string? Source { get; init; }

    /// <summary>The event type label.</summary>
    public string? EventType { get; init; }

    /// <summary>The tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The importance, 0 to 1.</summary>
    public double? Importance { get; init; }

    /// <summary>The metadata as the service returned it.</summary>
    public IReadOnlyDictionary<string, JsonElement> Metadata { get; init; } =
        new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>When the memory was created.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>When the memory was last updated.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>The outcome of <see cref="IMemorySyncClient.AddAsync"/>.</summary>
public sealed record MemoryAddResult
{
    /// <summary>What the service did.</summary>
    public required MemoryWriteStatus Status { get; init; }

    /// <summary>The stored memory, when <see cref="MemoryWriteStatus.Created"/> (the first one, if extraction stored several).</summary>
    public Memory? Memory { get; init; }

    /// <summary>The service's reason, when skipped.</summary>
    public string? Reason { get; init; }

    /// <summary>The service's <c>X-Request-ID</c>.</summary>
    public string? RequestId { get; init; }
}

/// <summary>What the service did with a memory it was given.</summary>
public enum MemoryWriteStatus
{
    /// <summary>Stored; the answer carries memory ids.</summary>
    Created = 0,

    /// <summary>
    /// Not stored, by the service's choice: identical text (deduplication) or low-value filler. No memory id.
    /// </summary>
    Skipped,

    /// <summary>Refused as invalid (bulk results only; a single add throws instead).</summary>
    Rejected,

    /// <summary>
    /// The account is over its monthly quota in "silent" mode: the service answered <c>{"status":"ok"}</c> and
    /// stored nothing. Treat as not delivered.
    /// </summary>
    QuotaSuppressed,
}

/// <summary>The outcome of <see cref="IMemorySyncClient.BulkAddAsync"/> (a 207 answer).</summary>
public sealed record BulkAddResult
{
    /// <summary>One result per item, in input order.</summary>
    public required IReadOnlyList<BulkAddItemResult> Results { get; init; }

    /// <summary>
    /// <see langword="true"/> when the whole request was suppressed by a quota in silent mode: nothing was stored and
    /// every result says <see cref="MemoryWriteStatus.QuotaSuppressed"/>.
    /// </summary>
    public bool QuotaSuppressed { get; init; }

    /// <summary>The service's <c>X-Request-ID</c>.</summary>
    public string? RequestId { get; init; }
}

/// <summary>The result of one item of a bulk add.</summary>
/// <param name="Index">The item's position in the request.</param>
/// <param name="Status">What the service did with it.</param>
/// <param name="MemoryIds">The ids of the memories stored for it (empty unless created).</param>
/// <param name="Reason">The service's reason, when skipped or rejected.</param>
public sealed record BulkAddItemResult(int Index, MemoryWriteStatus Status, IReadOnlyList<long> MemoryIds, string? Reason);

/// <summary>A recall query (the body of <c>/memory/query</c>).</summary>
public sealed record MemoryQuery
{
    /// <summary>What to look for; not empty.</summary>
    public required string Query { get; init; }

    /// <summary>How many memories to return, 1 to 50 (the service clamps); default 5.</summary>
    public int K { get; init; } = 5;

    /// <summary>Only memories with one of these sources.</summary>
    public IReadOnlyList<string>? Sources { get; init; }

    /// <summary>Only memories with at least one of these tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Only memories created at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only memories created at or before this time.</summary>
    public DateTimeOffset? Until { get; init; }
}

/// <summary>The answer to a query.</summary>
public sealed record MemoryQueryResult
{
    /// <summary>The memories found, best first.</summary>
    public required IReadOnlyList<ScoredMemory> Memories { get; init; }

    /// <summary>The service's <c>X-Request-ID</c>.</summary>
    public string? RequestId { get; init; }
}

/// <summary>A memory with its relevance score.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Score">The relevance, 0 to 1, if the service gave one.</param>
public sealed record ScoredMemory(Memory Memory, double? Score);

/// <summary>Labels to change with <see cref="IMemorySyncClient.UpdateLabelsAsync"/>; <see langword="null"/> members stay.</summary>
public sealed record MemoryLabels
{
    /// <summary>New tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>New importance.</summary>
    public double? Importance { get; init; }

    /// <summary>New metadata (replaces the whole object).</summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; init; }

    /// <summary>New source label.</summary>
    public string? Source { get; init; }

    /// <summary>New event type label.</summary>
    public string? EventType { get; init; }
}

/// <summary>The answer to a forget.</summary>
/// <param name="DeletedIds">The ids the service reports as deleted.</param>
/// <param name="RequestId">The service's <c>X-Request-ID</c>.</param>
public sealed record ForgetResult(IReadOnlyList<long> DeletedIds, string? RequestId);

/// <summary>The service's health report.</summary>
/// <param name="Status">The reported status: <c>ok</c> or <c>degraded</c>.</param>
/// <param name="Components">Component states as reported (e.g. <c>db</c>: <c>healthy</c>).</param>
public sealed record MemorySyncHealth(string Status, IReadOnlyDictionary<string, string> Components)
{
    /// <summary><see langword="true"/> when the status is <c>ok</c>.</summary>
    public bool IsHealthy => string.Equals(Status, "ok", StringComparison.OrdinalIgnoreCase);
}
