using System.Collections.Concurrent;
using System.Text.Json;
using MemorySync.Emulator.Limits;
using MemorySync.Emulator.Persistence;

namespace MemorySync.Emulator.Memories;

/// <summary>
/// Every memory, partitioned by end user. Writes lock only their end user's partition and find duplicates through a
/// hash index (no scans); reads copy a partition's live memories and work outside the lock. Ids come from one
/// counter, so they increase from 1 across all end users.
/// </summary>
internal sealed class MemoryStore(TimeProvider timeProvider, IStatePersistence persistence, QuotaMeter quota)
{
    private readonly ConcurrentDictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private long _lastId;

    public void Load()
    {
        foreach (var memory in persistence.LoadMemories())
        {
            var partition = PartitionOf(memory.EndUserId);
            partition.Put(memory);
            _lastId = Math.Max(_lastId, memory.Id);
            quota.Add(1, memory.CreatedAt);
        }
    }

    /// <summary>Stores items of one end user in order; <see langword="null"/> items were rejected by validation.</summary>
    public IReadOnlyList<ItemOutcome> AddMany(
        string endUserId, IReadOnlyList<MemoryInput?> items, bool deduplicate, bool extraction)
    {
        var outcomes = new ItemOutcome[items.Count];
        var created = new List<StoredMemory>();
        var partition = PartitionOf(endUserId);
        var now = timeProvider.GetUtcNow();
        lock (partition)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not { } input)
                {
                    outcomes[i] = ItemOutcome.Rejected;
                    continue;
                }

                if (TextRules.IsLowValue(input.Text))
                {
                    outcomes[i] = ItemOutcome.Skipped("low_value");
                    continue;
                }

                var hash = input.InputHash;
                if (deduplicate && partition.HasLiveInput(hash, now))
                {
                    outcomes[i] = ItemOutcome.Skipped("duplicate");
                    continue;
                }

                var texts = extraction ? TextRules.Extract(input.Text) : [input.Text];
                var memories = new StoredMemory[texts.Count];
                for (var t = 0; t < texts.Count; t++)
                {
                    memories[t] = new StoredMemory
                    {
                        Id = Interlocked.Increment(ref _lastId),
                        EndUserId = endUserId,
                        Text = texts[t],
                        Source = input.Source,
                        EventType = input.EventType,
                        Tags = input.Tags,
                        Importance = input.Importance,
                        Metadata = input.Metadata,
                        CreatedAt = now,
                        UpdatedAt = now,
                        ExpiresAt = input.TtlMinutes is { } ttl ? now.AddMinutes(ttl) : null,
                        InputHash = hash,
                    };
                    partition.Put(memories[t]);
                }

                created.AddRange(memories);
                outcomes[i] = ItemOutcome.Created(memories);
            }

            if (created.Count > 0)
            {
                persistence.SaveMemories(created);
            }
        }

        quota.Add(created.Count, now);
        return outcomes;
    }

    /// <summary>A live memory of this end user, or <see langword="null"/>.</summary>
    public StoredMemory? Get(string endUserId, long id)
    {
        if (!_partitions.TryGetValue(endUserId, out var partition))
        {
            return null;
        }

        lock (partition)
        {
            return partition.Memories.TryGetValue(id, out var memory) && memory.IsLive(timeProvider.GetUtcNow())
                ? memory
                : null;
        }
    }

    /// <summary>Changes the labels of a live memory; <see langword="null"/> when there is none to change.</summary>
    public StoredMemory? UpdateLabels(string endUserId, long id, Func<StoredMemory, StoredMemory> change)
    {
        if (!_partitions.TryGetValue(endUserId, out var partition))
        {
            return null;
        }

        lock (partition)
        {
            var now = timeProvider.GetUtcNow();
            if (!partition.Memories.TryGetValue(id, out var memory) || !memory.IsLive(now))
            {
                return null;
            }

            var updated = change(memory) with { UpdatedAt = now };
            partition.Memories[id] = updated;
            persistence.SaveMemories([updated]);
            return updated;
        }
    }

    /// <summary>Soft-deletes live memories; returns the ids deleted now, in request order.</summary>
    public IReadOnlyList<long> Forget(string endUserId, IReadOnlyList<long> ids)
    {
        if (!_partitions.TryGetValue(endUserId, out var partition))
        {
            return [];
        }

        var deleted = new List<StoredMemory>();
        lock (partition)
        {
            var now = timeProvider.GetUtcNow();
            foreach (var id in ids)
            {
                if (partition.Memories.TryGetValue(id, out var memory) && memory.DeletedAt is null)
                {
                    var gone = memory with { DeletedAt = now, UpdatedAt = now };
                    partition.Memories[id] = gone;
                    partition.Unindex(gone);
                    deleted.Add(gone);
                }
            }

            if (deleted.Count > 0)
            {
                persistence.SaveMemories(deleted);
            }
        }

        return [.. deleted.Select(memory => memory.Id)];
    }

    /// <summary>The end user's live, unexpired memories, oldest first.</summary>
    public IReadOnlyList<StoredMemory> Live(string endUserId)
    {
        if (!_partitions.TryGetValue(endUserId, out var partition))
        {
            return [];
        }

        var now = timeProvider.GetUtcNow();
        lock (partition)
        {
            return [.. partition.Memories.Values.Where(memory => memory.IsLive(now)).OrderBy(memory => memory.Id)];
        }
    }

    /// <summary>Every memory (deleted ones included), by id.</summary>
    public IReadOnlyList<StoredMemory> All()
    {
        var all = new List<StoredMemory>();
        foreach (var partition in _partitions.Values)
        {
            lock (partition)
            {
                all.AddRange(partition.Memories.Values);
            }
        }

        all.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return all;
    }

    public void Reset()
    {
        _partitions.Clear();
        Interlocked.Exchange(ref _lastId, 0);
    }

    private Partition PartitionOf(string endUserId) =>
        _partitions.GetOrAdd(endUserId, static _ => new Partition());

    /// <summary>One end user's memories and the hash index of their inputs; guarded by locking the partition.</summary>
    private sealed class Partition
    {
        private readonly Dictionary<UInt128, List<long>> _inputs = [];

        public Dictionary<long, StoredMemory> Memories { get; } = [];

        public void Put(StoredMemory memory)
        {
            Memories[memory.Id] = memory;
            if (memory.DeletedAt is null)
            {
                if (!_inputs.TryGetValue(memory.InputHash, out var ids))
                {
                    _inputs[memory.InputHash] = ids = new List<long>(1);
                }

                ids.Add(memory.Id);
            }
        }

        public void Unindex(StoredMemory memory)
        {
            if (_inputs.TryGetValue(memory.InputHash, out var ids) && ids.Remove(memory.Id) && ids.Count == 0)
            {
                _inputs.Remove(memory.InputHash);
            }
        }

        public bool HasLiveInput(UInt128 hash, DateTimeOffset now) =>
            _inputs.TryGetValue(hash, out var ids) && ids.Exists(id => Memories[id].IsLive(now));
    }
}

/// <summary>What became of one item.</summary>
internal sealed record ItemOutcome(ItemStatus Status, IReadOnlyList<StoredMemory> Memories, string? Reason)
{
    public static ItemOutcome Rejected { get; } = new(ItemStatus.Rejected, [], null);

    public static ItemOutcome Skipped(string reason) => new(ItemStatus.Skipped, [], reason);

    public static ItemOutcome Created(IReadOnlyList<StoredMemory> memories) => new(ItemStatus.Created, memories, null);
}

internal enum ItemStatus
{
    Created,
    Skipped,
    Rejected,
}

/// <summary>Metadata equality for filters: strings compare as text, anything else by its JSON.</summary>
internal static class MetadataMatch
{
    public static bool Has(JsonElement metadata, string key, string? value) =>
        metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty(key, out var actual)
        && (value is null
            || string.Equals(
                actual.ValueKind == JsonValueKind.String ? actual.GetString() : actual.GetRawText(),
                value,
                StringComparison.Ordinal));

    /// <summary>Every member of <paramref name="filter"/> is in <paramref name="metadata"/> with an equal value.</summary>
    public static bool Contains(JsonElement metadata, JsonElement filter) =>
        filter.EnumerateObject().All(member =>
            metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty(member.Name, out var actual)
            && JsonElement.DeepEquals(actual, member.Value));
}
