using System.IO.Hashing;
using System.Runtime.InteropServices;
using ConnectorHost.Abstractions;
using ConnectorHost.Storage;

namespace ConnectorHost.Delivery;

/// <summary><see cref="IKnownItems"/> over the ledger, for one run of one connector.</summary>
/// <remarks>
/// The quick check (<see cref="HasFingerprintAsync"/>) is answered from <see cref="LedgerSnapshot"/>, a snapshot of
/// the connector's ledger taken at the first check, so a run that checks every item of a large source (the file
/// system connector's second run) costs a binary search per item instead of a database query. The snapshot is only
/// taken while the run has handled no change yet (a connector checks an item before it yields it): from then on the
/// session reports every item it is about to change (<see cref="Changing"/>) and those are asked of the ledger. When
/// the first check comes after the run handled changes, whose writes may still be on their way, every check of the
/// run asks the ledger. The session uses the same snapshot to skip the ledger lookup of an item the ledger cannot
/// hold, and pruning uses it instead of a pass over the ledger.
/// </remarks>
internal sealed class LedgerKnownItems(IDeliveryStore store, string connector) : IKnownItems
{
    private readonly Lock _lock = new();
    private LedgerSnapshot? _snapshot;
    private bool _changed;

    /// <summary>The snapshot this run took, if it took one.</summary>
    public LedgerSnapshot? Snapshot
    {
        get
        {
            lock (_lock)
            {
                return _snapshot;
            }
        }
    }

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
        if (SnapshotBeforeAnyChange()?.Matches(nativeId, fingerprint) is { } known)
        {
            return known;
        }

        return await FindAsync(nativeId, cancellationToken) is { } entry
               && string.Equals(entry.Fingerprint, fingerprint, StringComparison.Ordinal);
    }

    /// <summary>
    /// Says that the session is about to change the item's ledger entry (its checks go to the ledger from now on),
    /// and whether the ledger may hold an entry for it.
    /// </summary>
    /// <returns>
    /// <see langword="false"/> only when the snapshot proves that the ledger holds no entry for the item: it was not
    /// in the ledger when the run began and the run has not changed it before.
    /// </returns>
    public bool Changing(string nativeId)
    {
        LedgerSnapshot? snapshot;
        lock (_lock)
        {
            _changed = true;
            snapshot = _snapshot;
        }

        return snapshot?.MarkChanged(nativeId) ?? true;
    }

    /// <summary>The snapshot, taken now if the run has changed nothing yet; <see langword="null"/> when it cannot be.</summary>
    internal LedgerSnapshot? SnapshotBeforeAnyChange()
    {
        lock (_lock)
        {
            if (_snapshot is null && !_changed)
            {
                _snapshot = LedgerSnapshot.Load(store.LedgerSummaries(connector));
            }

            return _snapshot;
        }
    }
}

/// <summary>
/// A connector's ledger entries as hashes in sorted arrays, as they were when a run began, plus what the run changed
/// since: 64 bits of each native id, 128 of its fingerprint and a byte of flags (26 bytes an item, 26 MB for a
/// million), and a fixed 2 MB filter of the ids the run changed that the snapshot does not hold.
/// </summary>
/// <remarks>
/// A hash collision can only cost work, never an update or a lost item: ids that share a hash are left to the
/// ledger, the filter of changed ids may answer "maybe" for an id the run never changed (a lookup), never "no" for
/// one it did, and taking a changed fingerprint for the recorded one would need two fingerprints of one item to
/// share 128 bits.
/// </remarks>
internal sealed class LedgerSnapshot
{
    private const byte AskLedger = 1;
    private const byte HasFingerprint = 2;
    private const byte Delivered = 4;
    private const byte Listed = 8;

    private readonly ulong[] _ids;
    private readonly UInt128[] _fingerprints;
    private readonly byte[] _flags;
    private readonly HashFilter _changedNotInSnapshot = new();
    private readonly Lock _lock = new();

    private LedgerSnapshot(ulong[] ids, UInt128[] fingerprints, byte[] flags)
    {
        _ids = ids;
        _fingerprints = fingerprints;
        _flags = flags;
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] == ids[i - 1])
            {
                _flags[i] |= AskLedger;
                _flags[i - 1] |= AskLedger;
            }
        }
    }

    public int Count => _ids.Length;

    public static LedgerSnapshot Load(IEnumerable<LedgerSummary> entries)
    {
        var ids = new List<ulong>();
        var fingerprints = new List<UInt128>();
        var flags = new List<byte>();
        foreach (var entry in entries)
        {
            ids.Add(IdHash(entry.NativeId));
            fingerprints.Add(entry.Fingerprint is null ? default : FingerprintHash(entry.Fingerprint));
            flags.Add((byte)((entry.Fingerprint is null ? 0 : HasFingerprint) | (entry.State == LedgerState.Delivered ? Delivered : 0)));
        }

        var idArray = ids.ToArray();
        var order = Enumerable.Range(0, idArray.Length).ToArray();
        Array.Sort(idArray, order);
        var fingerprintArray = new UInt128[order.Length];
        var flagArray = new byte[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            fingerprintArray[i] = fingerprints[order[i]];
            flagArray[i] = flags[order[i]];
        }

        return new LedgerSnapshot(idArray, fingerprintArray, flagArray);
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

        byte flags;
        lock (_lock)
        {
            flags = _flags[index];
        }

        return (flags & AskLedger) != 0 ? null
            : (flags & HasFingerprint) == 0 ? false
            : _fingerprints[index] == FingerprintHash(fingerprint);
    }

    /// <summary>Records that the run changes the item; says whether the ledger may hold an entry for it.</summary>
    public bool MarkChanged(string nativeId)
    {
        var hash = IdHash(nativeId);
        var index = Array.BinarySearch(_ids, hash);
        lock (_lock)
        {
            if (index >= 0)
            {
                _flags[index] |= AskLedger;
                return true;
            }

            return !_changedNotInSnapshot.Add(hash);
        }
    }

    /// <summary>Records that the run's own enumeration of the source has the item (see <see cref="RunListing"/>).</summary>
    public void MarkListed(string nativeId)
    {
        var (start, end) = HashRun(_ids, IdHash(nativeId));
        lock (_lock)
        {
            // Every entry that shares the hash counts as listed: a collision keeps a memory, never forgets one.
            for (var i = start; i < end; i++)
            {
                _flags[i] |= Listed;
            }
        }
    }

    /// <summary>
    /// The sorted id hashes of the entries that held memories when the run began or that the run changed (what
    /// pruning may forget), with whether the run's own enumeration listed each. Items the run added are left out; if
    /// they are gone from the source, the next prune finds them.
    /// </summary>
    public (ulong[] Hashes, bool[] Listed) PruneCandidates()
    {
        lock (_lock)
        {
            var hashes = new List<ulong>();
            var listed = new List<bool>();
            for (var i = 0; i < _ids.Length; i++)
            {
                if ((_flags[i] & (Delivered | AskLedger)) != 0)
                {
                    hashes.Add(_ids[i]);
                    listed.Add((_flags[i] & Listed) != 0);
                }
            }

            return ([.. hashes], [.. listed]);
        }
    }

    /// <summary>The indexes [start, end) of the entries of a sorted hash array that equal <paramref name="hash"/>.</summary>
    internal static (int Start, int End) HashRun(ulong[] sorted, ulong hash)
    {
        var index = Array.BinarySearch(sorted, hash);
        if (index < 0)
        {
            return (0, 0);
        }

        var start = index;
        while (start > 0 && sorted[start - 1] == hash)
        {
            start--;
        }

        var end = index + 1;
        while (end < sorted.Length && sorted[end] == hash)
        {
            end++;
        }

        return (start, end);
    }

    /// <summary>A native id's 64-bit hash, over its UTF-16 code units (every side is hashed in this process).</summary>
    internal static ulong IdHash(string nativeId) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(nativeId.AsSpan()));

    private static UInt128 FingerprintHash(string fingerprint) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(fingerprint.AsSpan()));

    /// <summary>
    /// A Bloom filter over 64-bit hashes: 2 MB and three probes, about 0.5% false "maybe" at a million ids, more
    /// beyond (each a ledger lookup, which is what every item cost without it). Never a false "no".
    /// </summary>
    private sealed class HashFilter
    {
        private const int Bits = 1 << 24;
        private readonly ulong[] _words = new ulong[Bits / 64];

        /// <summary>Adds the hash; <see langword="true"/> when it was certainly not added before.</summary>
        public bool Add(ulong hash)
        {
            var added = false;
            var step = (uint)(hash >> 32) | 1;
            var probe = (uint)hash;
            for (var i = 0; i < 3; i++, probe += step)
            {
                var bit = probe & (Bits - 1);
                ref var word = ref _words[bit >> 6];
                var mask = 1UL << (int)(bit & 63);
                added |= (word & mask) == 0;
                word |= mask;
            }

            return added;
        }
    }
}
