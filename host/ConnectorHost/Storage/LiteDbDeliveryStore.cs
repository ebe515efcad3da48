using LiteDB;

namespace ConnectorHost.Storage;

/// <summary><see cref="IDeliveryStore"/> on the state database.</summary>
internal sealed class LiteDbDeliveryStore(StateDatabase database) : IDeliveryStore
{
    public LedgerDocument? FindLedger(string connector, string nativeId) =>
        database.Ledger.FindById(StateDatabase.LedgerKey(connector, nativeId));

    /// <summary>How many ledger entries one read transaction of <see cref="LedgerSummaries"/> holds.</summary>
    internal const int ScanChunk = 2_000;

    public IEnumerable<string> DeliveredNativeIds(string connector) =>
        // Known limit: the entry of a skipped item later deleted at the source stays (it holds no memory to forget).
        LedgerSummaries(connector).Where(entry => entry.State == LedgerState.Delivered).Select(entry => entry.NativeId);

    public int LedgerCount(string connector) =>
        database.Ledger.Count(Query.StartsWith("_id", StateDatabase.LedgerPrefix(connector)));

    public void RemoveLedger(string connector, string nativeId) =>
        database.Write(() =>
        {
            var key = StateDatabase.LedgerKey(connector, nativeId);
            database.Ledger.Delete(key);
            database.DeadLetters.Delete(key);
        });

    public OutboxDocument AddIntent(OutboxDocument intent)
    {
        database.Write(() => database.Outbox.Insert(intent));
        return intent;
    }

    public OutboxDocument AddForgetIntent(OutboxDocument intent, IReadOnlyCollection<string> forgottenNativeIds)
    {
        database.Write(() =>
        {
            database.Outbox.Insert(intent);
            foreach (var nativeId in forgottenNativeIds)
            {
                database.Ledger.Delete(StateDatabase.LedgerKey(intent.Connector, nativeId));
            }
        });
        return intent;
    }

    public IReadOnlyList<OutboxDocument> PendingIntents(string connector) =>
        database.Outbox.Find(x => x.Connector == connector).OrderBy(x => x.Sequence).ToList();

    public int PendingIntentCount(string connector) => database.Outbox.Count(x => x.Connector == connector);

    public void RecordAttemptFailure(long sequence, string error)
    {
        database.Write(() =>
        {
            var intent = database.Outbox.FindById(sequence);
            if (intent is null)
            {
                return;
            }

            intent.Attempts++;
            intent.LastError = error;
            database.Outbox.Update(intent);
        });
    }

    public OutboxDocument? ApplyBulkResult(OutboxDocument intent, IReadOnlyList<ItemOutcome> outcomes, long now)
    {
        if (outcomes.Count != intent.Items.Count)
        {
            throw new ArgumentException(
                $"{outcomes.Count} outcomes for {intent.Items.Count} items of intent {intent.Sequence}.", nameof(outcomes));
        }

        try
        {
            return database.Write(() => ApplyBulkResultCore(intent, outcomes, now, trustNewToLedger: true));
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            // An item said to be new to the ledger had an entry after all (an intent replayed after the hint was
            // taken): the transaction rolled back whole; apply the answer again, looking every entry up.
            return database.Write(() => ApplyBulkResultCore(intent, outcomes, now, trustNewToLedger: false));
        }
    }

    private OutboxDocument? ApplyBulkResultCore(OutboxDocument intent, IReadOnlyList<ItemOutcome> outcomes, long now, bool trustNewToLedger)
    {
        var replaced = new List<long>();
        var replacedOwners = new List<string>();
        for (var i = 0; i < intent.Items.Count; i++)
        {
            var item = intent.Items[i];
            var outcome = outcomes[i];
            var key = StateDatabase.LedgerKey(intent.Connector, item.NativeId);
            if (outcome.Stored)
            {
                var entry = new LedgerDocument
                {
                    Id = key,
                    Connector = intent.Connector,
                    NativeId = item.NativeId,
                    State = LedgerState.Delivered,
                    Version = item.Version,
                    Fingerprint = item.Fingerprint,
                    ContentHash = item.ContentHash,
                    LabelsHash = item.LabelsHash,
                    MemoryIds = [.. outcome.MemoryIds],
                    Note = outcome.Note,
                    RecordedAt = now,
                };

                // An upsert walks the key index twice (find, then insert); most items of a first sync are new.
                if (trustNewToLedger && item.NewToLedger)
                {
                    database.Ledger.Insert(entry);
                }
                else
                {
                    database.Ledger.Upsert(entry);
                }

                database.DeadLetters.Delete(key);
                if (item.ReplacesMemoryIds.Count > 0)
                {
                    replaced.AddRange(item.ReplacesMemoryIds);
                    replacedOwners.Add(item.NativeId);
                }
            }
            else
            {
                UpsertDeadLetter(new DeadLetterDocument
                {
                    Id = key,
                    Connector = intent.Connector,
                    NativeId = item.NativeId,
                    Version = item.Version,
                    Reason = outcome.Note ?? "refused by MemorySync",
                    FirstFailedAt = now,
                    LastFailedAt = now,
                    Fingerprint = item.Fingerprint,
                    ContentHash = item.ContentHash,
                    LabelsHash = item.LabelsHash,
                    ReplacesMemoryIds = [.. item.ReplacesMemoryIds],
                    ItemJson = item.ItemJson.Length > 0 ? item.ItemJson : BulkItemBytes(intent.Body, i),
                });
            }
        }

        database.Outbox.Delete(intent.Sequence);
        if (replaced.Count == 0)
        {
            return null;
        }

        var forget = new OutboxDocument
        {
            Connector = intent.Connector,
            EndUserId = intent.EndUserId,
            Kind = OutboxKind.Forget,
            ForgetIds = replaced,
            ForgetNativeIds = replacedOwners,
            CreatedAt = now,
        };
        database.Outbox.Insert(forget);
        return forget;
    }

    public void CompleteIntent(long sequence) => database.Write(() => database.Outbox.Delete(sequence));

    public OutboxDocument? RecordSkip(
        string connector, string nativeId, string reason, string? fingerprint, OutboxDocument? forgetIntent, long now)
    {
        return database.Write(() =>
        {
            var key = StateDatabase.LedgerKey(connector, nativeId);
            database.Ledger.Upsert(new LedgerDocument
            {
                Id = key,
                Connector = connector,
                NativeId = nativeId,
                State = LedgerState.Skipped,
                Fingerprint = fingerprint,
                Note = reason,
                RecordedAt = now,
            });
            database.DeadLetters.Delete(key);
            if (forgetIntent is not null)
            {
                database.Outbox.Insert(forgetIntent);
            }

            return forgetIntent;
        });
    }

    public void UpdateDelivered(string connector, string nativeId, string version, string? fingerprint, string labelsHash, long now)
    {
        database.Write(() =>
        {
            var entry = database.Ledger.FindById(StateDatabase.LedgerKey(connector, nativeId));
            if (entry is null)
            {
                return;
            }

            entry.Version = version;
            entry.Fingerprint = fingerprint;
            entry.LabelsHash = labelsHash;
            entry.RecordedAt = now;
            database.Ledger.Update(entry);
        });
    }

    public void AddDeadLetter(DeadLetterDocument deadLetter) => database.Write(() => UpsertDeadLetter(deadLetter));

    public DeadLetterDocument? FindDeadLetter(string connector, string nativeId) =>
        database.DeadLetters.FindById(StateDatabase.LedgerKey(connector, nativeId));

    public IReadOnlyList<DeadLetterDocument> DeadLetters(string connector) =>
        database.DeadLetters.Find(Query.StartsWith("_id", StateDatabase.LedgerPrefix(connector)))
            .OrderBy(x => x.FirstFailedAt)
            .ToList();

    public int DeadLetterCount(string connector) =>
        database.DeadLetters.Count(Query.StartsWith("_id", StateDatabase.LedgerPrefix(connector)));

    public bool RemoveDeadLetter(string connector, string nativeId) =>
        database.Write(() => database.DeadLetters.Delete(StateDatabase.LedgerKey(connector, nativeId)));

    public int PurgeDeadLetters(string connector) =>
        database.Write(() => database.DeadLetters.DeleteMany(Query.StartsWith("_id", StateDatabase.LedgerPrefix(connector))));

    private static readonly BsonExpression s_summaryFields = BsonExpression.Create(
        $"{{ _id, {nameof(LedgerDocument.NativeId)}, {nameof(LedgerDocument.Fingerprint)}, {nameof(LedgerDocument.State)} }}");

    // Every ledger entry of a connector in key order, read a chunk per transaction: LiteDB keeps every page a read
    // transaction touched until it ends, so one query over a million entries held the whole file in memory. Only the
    // summary's fields are decoded; the rest of each document (memory ids, hashes, notes) is skipped over.
    public IEnumerable<LedgerSummary> LedgerSummaries(string connector)
    {
        var prefix = StateDatabase.LedgerPrefix(connector);
        var upper = prefix + char.MaxValue;
        var after = prefix;
        while (true)
        {
            // Between on the primary key walks its index in order, so the limit ends the scan.
            var chunk = database.Ledger.Query()
                .Where(Query.Between("_id", after, upper))
                .Select(s_summaryFields)
                .Limit(ScanChunk + 1)
                .ToList();
            var taken = 0;
            foreach (var document in chunk)
            {
                var id = document["_id"].AsString;
                if (string.Equals(id, after, StringComparison.Ordinal))
                {
                    continue;
                }

                if (!id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield break;
                }

                taken++;
                yield return new LedgerSummary(
                    document[nameof(LedgerDocument.NativeId)].AsString,
                    document[nameof(LedgerDocument.Fingerprint)] is { IsString: true } fingerprint ? fingerprint.AsString : null,
                    (LedgerState)document[nameof(LedgerDocument.State)].AsInt32);
                after = id;
            }

            if (taken == 0 || chunk.Count <= ScanChunk)
            {
                yield break;
            }
        }
    }

    // The exact bytes of item <paramref name="index"/> of a bulk-add body (the items are written into it unchanged).
    private static byte[] BulkItemBytes(byte[] body, int index)
    {
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return System.Text.Encoding.UTF8.GetBytes(document.RootElement.GetProperty("items")[index].GetRawText());
    }

    private void UpsertDeadLetter(DeadLetterDocument deadLetter)
    {
        var existing = database.DeadLetters.FindById(deadLetter.Id);
        deadLetter.Attempts = (existing?.Attempts ?? 0) + 1;
        if (existing is not null)
        {
            deadLetter.FirstFailedAt = existing.FirstFailedAt;
        }

        database.DeadLetters.Upsert(deadLetter);
    }
}
