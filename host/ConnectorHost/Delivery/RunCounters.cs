namespace ConnectorHost.Delivery;

/// <summary>What a run did, counted as it happens (thread-safe).</summary>
internal sealed class RunCounters
{
    private const int MaxSkipReasons = 50;
    private readonly List<string> _skipReasons = [];
    private int _read;
    private int _added;
    private int _updated;
    private int _relabeled;
    private int _deleted;
    private int _unchanged;
    private int _skipped;
    private int _deadLettered;
    private int _pruned;
    private int _checkpoints;

    public int Read => Volatile.Read(ref _read);

    /// <summary>New items stored.</summary>
    public int Added => Volatile.Read(ref _added);

    /// <summary>Items whose new version replaced an earlier one (added, then the old memories forgotten).</summary>
    public int Updated => Volatile.Read(ref _updated);

    /// <summary>Items whose labels changed but text did not (PATCH, no re-add).</summary>
    public int Relabeled => Volatile.Read(ref _relabeled);

    /// <summary>Items forgotten because the source deleted them.</summary>
    public int Deleted => Volatile.Read(ref _deleted);

    /// <summary>Items already delivered at this version (nothing sent).</summary>
    public int Unchanged => Volatile.Read(ref _unchanged);

    public int Skipped => Volatile.Read(ref _skipped);

    public int DeadLettered => Volatile.Read(ref _deadLettered);

    /// <summary>Items forgotten because the full listing no longer has them.</summary>
    public int Pruned => Volatile.Read(ref _pruned);

    public int CheckpointsCommitted => Volatile.Read(ref _checkpoints);

    public IReadOnlyList<string> SkipReasons
    {
        get
        {
            lock (_skipReasons)
            {
                return [.. _skipReasons];
            }
        }
    }

    public void CountRead() => Interlocked.Increment(ref _read);

    public void CountAdded() => Interlocked.Increment(ref _added);

    public void CountUpdated() => Interlocked.Increment(ref _updated);

    public void CountRelabeled() => Interlocked.Increment(ref _relabeled);

    public void CountDeleted(int count = 1) => Interlocked.Add(ref _deleted, count);

    public void CountUnchanged() => Interlocked.Increment(ref _unchanged);

    public void CountDeadLettered() => Interlocked.Increment(ref _deadLettered);

    public void CountPruned(int count = 1) => Interlocked.Add(ref _pruned, count);

    public void CountCheckpoint() => Interlocked.Increment(ref _checkpoints);

    public void CountSkipped(string nativeId, string reason)
    {
        Interlocked.Increment(ref _skipped);
        lock (_skipReasons)
        {
            if (_skipReasons.Count < MaxSkipReasons)
            {
                _skipReasons.Add($"{nativeId}: {reason}");
            }
        }
    }
}
