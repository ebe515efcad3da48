using ConnectorHost.Abstractions;
using ConnectorHost.Storage;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Delivery;

/// <summary>
/// Finds deletions a source cannot report: items in the ledger that the connector's full listing no longer has.
/// </summary>
/// <remarks>
/// Memory stays bounded at any size: the ledger's ids become 64-bit hashes in a sorted array (8 bytes each), taken from
/// the run's <see cref="LedgerSnapshot"/> when it has one, and the listing streams against it. A hash collision can
/// only make a vanished item look present (never the reverse), so pruning errs towards keeping a memory, never towards
/// forgetting a live one.
/// </remarks>
internal sealed class Pruner(IDeliveryStore store, ILogger logger)
{
    /// <summary>A prune this small always proceeds, whatever share of a small connector it is.</summary>
    public const int AlwaysAllowedCount = 5;

    public async Task<PruneReport> PruneAsync(
        string connector,
        IFullListing listing,
        DeliverySession session,
        PrunePolicy policy,
        CancellationToken cancellationToken)
    {
        // The run's snapshot of the ledger already holds the hashes, sorted; without one, a pass over the ledger.
        ulong[] hashes;
        bool[]? listedByRun = null;
        if (session.KnownItems.Snapshot is { } snapshot)
        {
            (hashes, listedByRun) = snapshot.PruneCandidates();
        }
        else
        {
            hashes = SortedHashes(store.DeliveredNativeIds(connector));
        }

        bool[] seen;
        int listed;
        if (session.Listing.IsComplete && listedByRun is not null)
        {
            // The connector's read enumerated the whole source and reported it: no second enumeration.
            seen = listedByRun;
            listed = session.Listing.Count;
        }
        else
        {
            if (hashes.Length == 0)
            {
                return new PruneReport(0, 0, 0, Refused: false, null, []);
            }

            seen = new bool[hashes.Length];
            listed = await MarkListedAsync(listing, hashes, seen, cancellationToken);
        }

        var vanished = new List<string>();
        var total = hashes.Length;
        // The second pass names the vanished items, as the ledger holds them now (the run may have changed some since
        // its snapshot); when the listing had every one, there is nothing to name.
        if (Array.IndexOf(seen, false) >= 0)
        {
            total = 0;
            foreach (var nativeId in store.DeliveredNativeIds(connector))
            {
                total++;
                var index = Array.BinarySearch(hashes, LedgerSnapshot.IdHash(nativeId));
                if (index >= 0 && !seen[index])
                {
                    vanished.Add(nativeId);
                }
            }
        }

        var allowed = Math.Max(AlwaysAllowedCount, (int)Math.Floor(total * policy.MaxDeletePercent / 100.0));
        if (vanished.Count > allowed && !policy.AllowMassDelete)
        {
            var note =
                $"pruning refused: the listing has {listed} items and would forget {vanished.Count} of {total} delivered items " +
                $"({Percent(vanished.Count, total)}), more than maxDeletePercent ({policy.MaxDeletePercent}%). If the source " +
                "really lost them, run `connector-host sync <name> --full --allow-mass-delete`.";
            logger.LogWarning("{Note}", note);
            return new PruneReport(listed, vanished.Count, 0, Refused: true, note, vanished.Take(20).ToList());
        }

        if (policy.DryRun)
        {
            return new PruneReport(listed, vanished.Count, 0, Refused: false,
                $"dry run: would forget {vanished.Count} of {total} items", vanished.Take(20).ToList());
        }

        foreach (var nativeId in vanished)
        {
            await session.PruneAsync(nativeId, cancellationToken);
        }

        if (vanished.Count > 0)
        {
            logger.LogInformation(
                "Pruning forgets {Count} of {Total} items no longer in the source's listing", vanished.Count, total);
        }

        return new PruneReport(listed, vanished.Count, vanished.Count, Refused: false, null, vanished.Take(20).ToList());
    }

    private static async Task<int> MarkListedAsync(
        IFullListing listing, ulong[] hashes, bool[] seen, CancellationToken cancellationToken)
    {
        var listed = 0;
        await foreach (var nativeId in listing.ListNativeIdsAsync(cancellationToken).WithCancellation(cancellationToken))
        {
            listed++;
            var (start, end) = LedgerSnapshot.HashRun(hashes, LedgerSnapshot.IdHash(nativeId));
            Array.Fill(seen, true, start, end - start);
        }

        return listed;
    }

    private static ulong[] SortedHashes(IEnumerable<string> nativeIds)
    {
        var hashes = nativeIds.Select(LedgerSnapshot.IdHash).ToArray();
        Array.Sort(hashes);
        return hashes;
    }

    private static string Percent(int part, int whole) =>
        whole == 0 ? "0%" : (100.0 * part / whole).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%";
}

/// <summary>How far a prune may go.</summary>
internal sealed record PrunePolicy(double MaxDeletePercent, bool AllowMassDelete, bool DryRun);

/// <summary>What a prune found and did.</summary>
internal sealed record PruneReport(
    int Listed,
    int Vanished,
    int Forgotten,
    bool Refused,
    string? Note,
    IReadOnlyList<string> Examples);
