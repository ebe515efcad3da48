using System.Collections.Concurrent;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Persistence;

namespace MemorySync.Emulator.Idempotency;

/// <summary>
/// Remembers the first answer per Idempotency-Key (scoped by API key, end user and route) and replays it. A request
/// that arrives while the first one with its key is still running waits for that answer, so two concurrent requests
/// with one key store once.
/// </summary>
internal sealed class IdempotencyStore(TimeProvider timeProvider, IStatePersistence persistence, EmulatorOptions options)
{
    private const int SweepEvery = 4096;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _claims;

    public void Load()
    {
        foreach (var record in persistence.LoadIdempotency())
        {
            var entry = new Entry(record.BodyHash, record.CreatedAt);
            entry.Completion.SetResult(new StoredResponse(record.Status, record.Body));
            _entries[record.Key] = entry;
        }
    }

    /// <summary>Claims the key for this request, or says what to answer instead.</summary>
    public async ValueTask<Claim> ClaimAsync(
        string key, UInt128 bodyHash, IdempotencyConflictMode conflictMode, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _claims) % SweepEvery == 0)
        {
            Sweep();
        }

        while (true)
        {
            var now = timeProvider.GetUtcNow();
            var mine = new Entry(bodyHash, now);
            var existing = _entries.GetOrAdd(key, mine);
            if (ReferenceEquals(existing, mine))
            {
                return new Claim(ClaimKind.Owner, mine, null);
            }

            if (existing.IsExpired(now, options.IdempotencyKeyLifetime))
            {
                if (_entries.TryUpdate(key, mine, existing))
                {
                    return new Claim(ClaimKind.Owner, mine, null);
                }

                continue;
            }

            if (existing.BodyHash != bodyHash && conflictMode == IdempotencyConflictMode.Reject)
            {
                return new Claim(ClaimKind.Conflict, null, null);
            }

            var response = await existing.Completion.Task.WaitAsync(cancellationToken);
            if (response is not null)
            {
                return new Claim(ClaimKind.Replay, null, response);
            }

            // The request that held the key produced nothing to remember (it was refused before processing or
            // failed); this one may take the key over.
        }
    }

    /// <summary>Ends an owner's claim: remembers the answer, or frees the key when there is nothing to remember.</summary>
    public void Complete(string key, Entry entry, StoredResponse? response)
    {
        if (response is null)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }
        else
        {
            persistence.SaveIdempotency(new IdempotencyRecord(key, entry.BodyHash, response.Status, response.Body, entry.CreatedAt));
        }

        entry.Completion.TrySetResult(response);
    }

    public void Reset() => _entries.Clear();

    private void Sweep()
    {
        var now = timeProvider.GetUtcNow();
        var expired = new List<string>();
        foreach (var (key, entry) in _entries)
        {
            if (entry.Completion.Task.IsCompleted && entry.IsExpired(now, options.IdempotencyKeyLifetime)
                && _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
            {
                expired.Add(key);
            }
        }

        if (expired.Count > 0)
        {
            persistence.DeleteIdempotency(expired);
        }
    }

    internal sealed class Entry(UInt128 bodyHash, DateTimeOffset createdAt)
    {
        public UInt128 BodyHash { get; } = bodyHash;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public TaskCompletionSource<StoredResponse?> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsExpired(DateTimeOffset now, TimeSpan lifetime) =>
            Completion.Task.IsCompleted && now - CreatedAt >= lifetime;
    }
}

internal enum ClaimKind
{
    Owner,
    Replay,
    Conflict,
}

internal sealed record Claim(ClaimKind Kind, IdempotencyStore.Entry? Entry, StoredResponse? Response);

/// <summary>An answer as sent: status and body bytes.</summary>
internal sealed record StoredResponse(int Status, byte[] Body);

/// <summary>A remembered answer, as persisted.</summary>
internal sealed record IdempotencyRecord(string Key, UInt128 BodyHash, int Status, byte[] Body, DateTimeOffset CreatedAt);
