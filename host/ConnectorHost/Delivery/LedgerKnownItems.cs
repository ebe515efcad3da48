using System.IO.Hashing;
using System.Runtime.InteropServices;
using ConnectorHost.Abstractions;
using ConnectorHost.Storage;

namespace ConnectorHost.Delivery;

/// <summary><see cref="IKnownItems"/> over the ledger, for one run of one connector.</summary>
/// <remarks>
/// The quick check (<see cref="HasFingerprintAsync"/>) is answered from <see cref="LedgerFingerprints"/>, a snapshot
/// of the connector's fingerprints taken at the first check, so a run that checks every item of a large source (the
/// file system connector's second run) costs a binary search per item instead of a database query. The snapshot is
/// only taken while the run has handled no change yet (a connector checks an item before it yields it): from then on
/// the session reports every item it is about to change (<see cref="Changing"/>) and those are asked of the ledger.
/// When the first check comes after the run handled changes, whose writes may still be on their way, every check of
/// the run asks the ledger.
/// </remarks>
internal sealed class LedgerKnownItems(IDeliveryStore store, string connector) : IKnownItems
{
    private readonly Lock _lock = new();
    private LedgerFingerprints? _fingerprints;
    private bool _changed;

    public ValueTask<KnownItem?> FindAsync(string nativeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entry = store.FindLedger(connector, nativeId);
        return ValueTask.FromResult(entry is null
            ? null
            : new KnownItem(
                entry.NativeId,
                entry.State == LedgerState.Delivered ? entry.Version : null,
                entry.Fingerprint,
                DateTimeOffset.FromUnixTimeMilliseconds(entry.RecordedAt)));
    }

    public async ValueTask<bool> HasFingerprintAsync(string nativeId, string fingerprint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Snapshot()?.Matches(nativeId, fingerprint) is { } known)
        {
            return known;
        }

        return await FindAsync(nativeId, cancellationToken) is { } entry
               && string.Equals(entry.Fingerprint, fingerprint, StringComparison.Ordinal);
    }

    /// <summary>Says that the session is about to change the item's ledger entry: its checks go to the ledger now.</summary>
    public void Changing(string nativeId)
    {
        LedgerFingerprints? snapshot;
        lock (_lock)
        {
            _changed = true;
            snapshot = _fingerprints;
        }

        snapshot?.MarkChanged(nativeId);
    }

    private LedgerFingerprints? Snapshot()
    {
        lock (_lock)
        {
            if (_fingerprints is null && !_changed)
            {
                _fingerprints = LedgerFingerprints.Load(store.Fingerprints(connector));
            }

            return _fingerprints;
        }
    }
}

/// <summary>
/// The fingerprints of a connector's ledger entries as hashes in sorted arrays: 64 bits of the native id and 128 of
/// the fingerprint, 25 bytes an item (25 MB for a million).
/// </summary>
/// <remarks>
/// A hash collision can only cost work, never an update: two ids that share a hash are left to the ledger, and
/// taking a changed fingerprint for the recorded one would need two fingerprints of one item to share 128 bits.
/// </remarks>
internal sealed class LedgerFingerprints
{
    private readonly ulong[] _ids;
    private readonly UInt128[] _fingerprints;
    private readonly bool[] _askLedger;
    private readonly Lock _lock = new();

    private LedgerFingerprints(ulong[] ids, UInt128[] fingerprints)
    {
        _ids = ids;
        _fingerprints = fingerprints;
        _askLedger = new bool[ids.Length];
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] == ids[i - 1])
            {
                _askLedger[i] = _askLedger[i - 1] = true;
            }
        }
    }

    public int Count => _ids.Length;

    public static LedgerFingerprints Load(IEnumerable<(string NativeId, string Fingerprint)> entries)
    {
        var ids = new List<ulong>();
        var fingerprints = new List<UInt128>();
        foreach (var (nativeId, fingerprint) in entries)
        {
            ids.Add(IdHash(nativeId));
            fingerprints.Add(FingerprintHash(fingerprint));
        }

        var idArray = ids.ToArray();
        var fingerprintArray = fingerprints.ToArray();
        Array.Sort(idArray, fingerprintArray);
        return new LedgerFingerprints(idArray, fingerprintArray);
    }

    /// <summary>
    /// Whether the item's recorded fingerprint is <paramref name="fingerprint"/>; <see langword="null"/> when only
    /// the ledger can tell (the item changed since the snapshot, or shares its id hash with another).
    /// </summary>
    public bool? Matches(string nativeId, string fingerprint)
    {
        var index = Array.BinarySearch(_ids, IdHash(nativeId));
        if (index < 0)
        {
            // Not in the snapshot: no fingerprint was recorded, and an item changed since is asked of the ledger only
            // if it was in it (a new entry's fingerprint can only make this answer "false", which costs a read).
            return false;
        }

        lock (_lock)
        {
            if (_askLedger[index])
            {
                return null;
            }
        }

        return _fingerprints[index] == FingerprintHash(fingerprint);
    }

    public void MarkChanged(string nativeId)
    {
        var index = Array.BinarySearch(_ids, IdHash(nativeId));
        if (index >= 0)
        {
            lock (_lock)
            {
                _askLedger[index] = true;
            }
        }
    }

    /// <summary>A native id's 64-bit hash, over its UTF-16 code units (every side is hashed in this process).</summary>
    internal static ulong IdHash(string nativeId) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(nativeId.AsSpan()));

    private static UInt128 FingerprintHash(string fingerprint) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(fingerprint.AsSpan()));
}
