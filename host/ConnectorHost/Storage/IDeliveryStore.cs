namespace ConnectorHost.Storage;

/// <summary>
/// What the delivery pipeline needs from durable storage: the ledger, the outbox and dead letters, changed together
/// atomically. The appliance keeps it in LiteDB; a cluster would keep it in PostgreSQL behind this same interface.
/// </summary>
/// <remarks>Every method is durable when it returns and atomic as a whole. Thread-safe.</remarks>
internal interface IDeliveryStore
{
    LedgerDocument? FindLedger(string connector, string nativeId);

    /// <summary>
    /// Streams the native ids of a connector's delivered items (the ones with memories), leaving skipped ones out:
    /// what pruning may forget. Full listings leave skipped items out too, so their absence there means nothing.
    /// </summary>
    IEnumerable<string> DeliveredNativeIds(string connector);

    int LedgerCount(string connector);

    /// <summary>
    /// Streams the native id, fingerprint and state of every ledger entry of a connector, in key order, without the
    /// rest of each entry: what a run's snapshot of the ledger holds.
    /// </summary>
    IEnumerable<LedgerSummary> LedgerSummaries(string connector);

    /// <summary>Removes a ledger entry that has no memories to forget (skipped, or stored as nothing).</summary>
    void RemoveLedger(string connector, string nativeId);

    /// <summary>Writes an intent before its request is sent; assigns and returns its sequence.</summary>
    OutboxDocument AddIntent(OutboxDocument intent);

    /// <summary>
    /// Writes a forget intent and removes the ledger entries of <paramref name="forgottenNativeIds"/> in one
    /// transaction (after a crash, the intent is re-sent; the ledger already says the items are gone).
    /// </summary>
    OutboxDocument AddForgetIntent(OutboxDocument intent, IReadOnlyCollection<string> forgottenNativeIds);

    /// <summary>Pending intents of a connector, oldest first.</summary>
    IReadOnlyList<OutboxDocument> PendingIntents(string connector);

    int PendingIntentCount(string connector);

    void RecordAttemptFailure(long sequence, string error);

    /// <summary>
    /// Applies a bulk-add answer: ledger entries for stored items, dead letters for refused ones, a forget intent for
    /// the memories the new versions replace, and removes the bulk intent — in one transaction.
    /// </summary>
    /// <returns>The forget intent for replaced memories, or null when nothing is to be forgotten.</returns>
    OutboxDocument? ApplyBulkResult(OutboxDocument intent, IReadOnlyList<ItemOutcome> outcomes, long now);

    /// <summary>Removes an intent whose request was acknowledged (a forget), or abandoned.</summary>
    void CompleteIntent(long sequence);

    /// <summary>Records a skip: the entry becomes Skipped (with the fingerprint) in the same transaction as the forget intent for its memories, if any.</summary>
    OutboxDocument? RecordSkip(string connector, string nativeId, string reason, string? fingerprint, OutboxDocument? forgetIntent, long now);

    /// <summary>Updates the version, labels and fingerprint of a delivered entry (a label-only change, or a touch).</summary>
    void UpdateDelivered(string connector, string nativeId, string version, string? fingerprint, string labelsHash, long now);

    /// <summary>Records or updates a dead letter (attempts + 1) and leaves the ledger alone.</summary>
    void AddDeadLetter(DeadLetterDocument deadLetter);

    DeadLetterDocument? FindDeadLetter(string connector, string nativeId);

    IReadOnlyList<DeadLetterDocument> DeadLetters(string connector);

    int DeadLetterCount(string connector);

    bool RemoveDeadLetter(string connector, string nativeId);

    int PurgeDeadLetters(string connector);
}

/// <summary>What a snapshot of the ledger keeps of one entry.</summary>
internal readonly record struct LedgerSummary(string NativeId, string? Fingerprint, LedgerState State);

/// <summary>What happened to one item of a bulk add.</summary>
/// <param name="Stored">MemorySync stored it (created) or deliberately stored nothing for it (skipped).</param>
/// <param name="MemoryIds">The memory ids it returned.</param>
/// <param name="Note">The service's reason when skipped, or why it was refused.</param>
internal sealed record ItemOutcome(bool Stored, IReadOnlyList<long> MemoryIds, string? Note);
