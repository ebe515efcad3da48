using System.Collections.Concurrent;
using System.Text.Json;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.Delivery;
using ConnectorHost.MemorySync;

namespace ConnectorHost.Tests.Support;

/// <summary>
/// An in-memory MemorySync behind the pipeline's transport seam, for unit tests that need exact control of where a
/// request fails (before the service processes it, or after, with the answer lost). Follows the service's rules:
/// integer ids, per-item bulk results, idempotent replay of a repeated key, soft-deleting forgets.
/// End-to-end behaviour is tested against the real emulator over HTTP elsewhere.
/// </summary>
internal sealed class FakeMemorySync : IMemorySyncTransport
{
    private readonly ConcurrentDictionary<long, FakeMemory> _memories = new();
    private readonly ConcurrentDictionary<string, BulkAddResult> _replays = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private long _nextId;

    /// <summary>Items whose text contains this are refused (per-item "rejected").</summary>
    public string? RejectTextContaining { get; set; }

    /// <summary>When set, every bulk add answers like a quota in silent mode.</summary>
    public bool QuotaSilent { get; set; }

    /// <summary>Runs before each bulk request is processed (tests use it to hold a request or observe order).</summary>
    public Func<string, Task>? BeforeBulkAdd { get; set; }

    public IReadOnlyList<string> Requests => [.. _requests];

    public IReadOnlyCollection<FakeMemory> All => [.. _memories.Values];

    public IReadOnlyList<FakeMemory> Live => [.. _memories.Values.Where(m => !m.Deleted).OrderBy(m => m.Id)];

    public int BulkRequests => _requests.Count(r => r.StartsWith("bulk", StringComparison.Ordinal));

    public int PatchRequests => _requests.Count(r => r.StartsWith("patch", StringComparison.Ordinal));

    public int ForgetRequests => _requests.Count(r => r.StartsWith("forget", StringComparison.Ordinal));

    /// <summary>The next bulk request fails with <paramref name="error"/>; after processing means stored, answer lost.</summary>
    public void FailNextBulk(Exception error, bool afterProcessing = false) => _faults.Enqueue(new Fault("bulk", error, afterProcessing));

    public void FailNextForget(Exception error, bool afterProcessing = false) => _faults.Enqueue(new Fault("forget", error, afterProcessing));

    public IReadOnlyList<FakeMemory> LiveFor(string nativeId) =>
        [.. Live.Where(m => m.NativeId == nativeId)];

    public byte[] SerializeItem(MemoryItem item) => MemorySyncWire.SerializeItem(item);

    public byte[] ComposeBulkAdd(IReadOnlyList<byte[]> items, bool deduplicate) => MemorySyncWire.ComposeBulkAdd(items, deduplicate);

    public async Task<BulkAddResult> SendBulkAddAsync(
        string endUserId, ReadOnlyMemory<byte> body, string idempotencyKey, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _requests.Enqueue("bulk " + idempotencyKey);
        if (BeforeBulkAdd is { } hook)
        {
            await hook(idempotencyKey);
        }

        var fault = TakeFault("bulk");
        if (fault is { AfterProcessing: false })
        {
            throw fault.Error;
        }

        var result = _replays.GetOrAdd(idempotencyKey, _ => Process(endUserId, body));
        if (fault is { AfterProcessing: true })
        {
            throw fault.Error;
        }

        return result;
    }

    public Task<ForgetResult> ForgetAsync(string endUserId, IReadOnlyCollection<long> memoryIds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _requests.Enqueue("forget " + string.Join(",", memoryIds));
        var fault = TakeFault("forget");
        if (fault is { AfterProcessing: false })
        {
            throw fault.Error;
        }

        var deleted = new List<long>();
        foreach (var id in memoryIds)
        {
            if (_memories.TryGetValue(id, out var memory) && !memory.Deleted && memory.EndUserId == endUserId)
            {
                memory.Deleted = true;
                deleted.Add(id);
            }
        }

        if (fault is { AfterProcessing: true })
        {
            throw fault.Error;
        }

        return Task.FromResult(new ForgetResult(deleted, "req_forget"));
    }

    public Task<Memory> UpdateLabelsAsync(string endUserId, long memoryId, MemoryLabels labels, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _requests.Enqueue("patch " + memoryId);
        if (!_memories.TryGetValue(memoryId, out var memory) || memory.Deleted || memory.EndUserId != endUserId)
        {
            throw new MemorySyncNotFoundException($"memory {memoryId} not found") { StatusCode = 404 };
        }

        memory.MetadataJson = JsonSerializer.Serialize(labels.Metadata);
        memory.Version = labels.Metadata?.TryGetValue("version", out var v) == true ? v?.ToString() : memory.Version;
        memory.Patched++;
        return Task.FromResult(new Memory { Id = memoryId, Text = memory.Text });
    }

    public Task<MemorySyncHealth> GetHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new MemorySyncHealth("ok", new Dictionary<string, string>()));

    private BulkAddResult Process(string endUserId, ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        var results = new List<BulkAddItemResult>();
        var index = 0;
        if (QuotaSilent)
        {
            return new BulkAddResult { Results = [], QuotaSuppressed = true };
        }

        foreach (var item in document.RootElement.GetProperty("items").EnumerateArray())
        {
            var text = item.GetProperty("text").GetString()!;
            if (RejectTextContaining is { } reject && text.Contains(reject, StringComparison.Ordinal))
            {
                results.Add(new BulkAddItemResult(index++, MemoryWriteStatus.Rejected, [], "text: refused by test rule"));
                continue;
            }

            var id = Interlocked.Increment(ref _nextId);
            var metadata = item.TryGetProperty("metadata", out var m) ? m : default;
            _memories[id] = new FakeMemory
            {
                Id = id,
                EndUserId = endUserId,
                Text = text,
                NativeId = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("native_id", out var n) ? n.GetString() : null,
                Version = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("version", out var v) ? v.GetString() : null,
                MetadataJson = metadata.ValueKind == JsonValueKind.Object ? metadata.GetRawText() : "{}",
            };
            results.Add(new BulkAddItemResult(index++, MemoryWriteStatus.Created, [id], null));
        }

        return new BulkAddResult { Results = results, RequestId = "req_" + index };
    }

    private Fault? TakeFault(string operation)
    {
        if (_faults.TryPeek(out var next) && next.Operation == operation && _faults.TryDequeue(out var fault))
        {
            return fault;
        }

        return null;
    }

    private sealed record Fault(string Operation, Exception Error, bool AfterProcessing);
}

internal sealed class FakeMemory
{
    public long Id { get; init; }

    public string EndUserId { get; init; } = "";

    public string Text { get; init; } = "";

    public string? NativeId { get; init; }

    public string? Version { get; set; }

    public string MetadataJson { get; set; } = "{}";

    public bool Deleted { get; set; }

    public int Patched { get; set; }
}
