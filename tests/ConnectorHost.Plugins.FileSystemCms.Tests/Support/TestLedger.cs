using System.Collections.Concurrent;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>
/// A small stand-in for the host's ledger and cursor store: applies a connector's changes the way the host does,
/// with every delivery acknowledged at once, and answers <see cref="IKnownItems"/> lookups from what it recorded.
/// </summary>
/// <remarks>
/// An upsert is delivered when its (native id, version) is new; an upsert of the version already delivered sends
/// nothing and records the new fingerprint; a skip forgets the delivered memory and records the fingerprint; a delete
/// (or a prune) forgets the item; a checkpoint commits the cursor, which the next run starts from.
/// </remarks>
public sealed class TestLedger : IKnownItems
{
    private readonly ConcurrentDictionary<string, KnownItem> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SourceItem> _memories = new(StringComparer.Ordinal);
    private readonly List<(string NativeId, string Version)> _sent = [];
    private readonly TimeProvider _time;

    /// <summary>Creates an empty ledger.</summary>
    /// <param name="time">The clock that stamps recorded states.</param>
    public TestLedger(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>The committed cursor, or <see langword="null"/> before the first checkpoint.</summary>
    public string? Cursor { get; private set; }

    /// <summary>The position of the committed cursor.</summary>
    public DateTimeOffset? CursorPosition { get; private set; }

    /// <summary>What is recorded per native id (delivered versions and skips).</summary>
    public IReadOnlyDictionary<string, KnownItem> Items => _items;

    /// <summary>What MemorySync holds now: the delivered item per native id, without skipped or deleted ones.</summary>
    public IReadOnlyDictionary<string, SourceItem> Memories => _memories;

    /// <summary>Every (native id, version) ever sent to MemorySync, in order: exactly-once means no repeats.</summary>
    public IReadOnlyList<(string NativeId, string Version)> Sent => _sent;

    /// <inheritdoc />
    public ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_items.GetValueOrDefault(nativeId));

    /// <summary>Applies one change and records its effect in <paramref name="report"/>.</summary>
    /// <param name="change">The change.</param>
    /// <param name="report">The report of the run.</param>
    public void Apply(SourceChange change, RunReport report)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(report);
        switch (change)
        {
            case Upsert { Item: var item }:
                if (_items.TryGetValue(item.NativeId, out var known) && known.Version == item.Version)
                {
                    report.Unchanged.Add(item);
                }
                else
                {
                    _sent.Add((item.NativeId, item.Version));
                    _memories[item.NativeId] = item;
                    report.Delivered.Add(item);
                }

                _items[item.NativeId] = new KnownItem(item.NativeId, item.Version, item.Fingerprint, _time.GetUtcNow());
                break;
            case Skip skip:
                _memories.TryRemove(skip.NativeId, out _);
                _items[skip.NativeId] = new KnownItem(skip.NativeId, null, skip.Fingerprint, _time.GetUtcNow());
                report.Skipped.Add(skip);
                break;
            case Delete delete:
                Forget(delete.NativeId);
                report.Deleted.Add(delete.NativeId);
                break;
            case Checkpoint checkpoint:
                Cursor = checkpoint.Cursor;
                CursorPosition = checkpoint.Position;
                report.Checkpoints.Add(checkpoint);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "Unknown change type.");
        }
    }

    /// <summary>Forgets every recorded item that a complete listing no longer contains.</summary>
    /// <param name="listed">The listing's native ids.</param>
    /// <param name="report">The report of the run.</param>
    public void Prune(IReadOnlySet<string> listed, RunReport report)
    {
        ArgumentNullException.ThrowIfNull(listed);
        ArgumentNullException.ThrowIfNull(report);
        foreach (var nativeId in _items.Keys.Where(id => !listed.Contains(id)).ToList())
        {
            Forget(nativeId);
            report.Pruned.Add(nativeId);
        }
    }

    private void Forget(string nativeId)
    {
        _items.TryRemove(nativeId, out _);
        _memories.TryRemove(nativeId, out _);
    }
}
