using ConnectorHost.Abstractions;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.Storage;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Delivery;

/// <summary>
/// Delivers one run's changes to MemorySync with the guarantees of the architecture: each (item, version) once,
/// updates replace, deletions forget, and a checkpoint's cursor is committed only after everything yielded before it
/// was acknowledged (or dead-lettered).
/// </summary>
/// <remarks>
/// <para>
/// The reader side (<see cref="UpsertAsync"/>, <see cref="DeleteAsync"/>, <see cref="SkipAsync"/>,
/// <see cref="CheckpointAsync"/>) is called by one task at a time, in source order. Sends run concurrently (up to
/// <see cref="DeliveryOptions.MaxConcurrentBatches"/>); the reader waits when all slots are busy, which bounds memory.
/// </para>
/// <para>
/// Every request is written to the outbox before it is sent and removed in the same transaction that applies its
/// answer to the ledger, so a crash at any point either re-sends the request byte-identical (same idempotency key) at
/// the next start, or finds its effect already recorded. A change for an item that is still in flight waits for it,
/// so two versions of one item are never in flight together.
/// </para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Reliability",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The semaphores never allocate a wait handle; disposing them while a send finishes would only add a race.")]
internal sealed class DeliverySession
{
    private readonly DeliveryContext _context;
    private readonly IDeliveryStore _store;
    private readonly ICursorStore _cursors;
    private readonly IMemorySyncTransport _transport;
    private readonly MemoryComposer _composer;
    private readonly IIdempotencyKeyBuilder _keys;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _commitGate = new(1, 1);
    private readonly Lock _gate = new();
    private readonly List<Task> _outstanding = [];
    private readonly Queue<PendingCheckpoint> _checkpoints = new();
    private readonly Dictionary<string, Task> _pending = new(StringComparer.Ordinal);
    private OpenBatch? _openBatch;
    private OpenForget? _openForget;
    private Exception? _failure;
    private StoredCursor? _lastCommitted;
    private Checkpoint? _lastDryRunCheckpoint;
    private bool _closed;
    private bool? _hadDeadLetters;
    private volatile bool _deadLettered;

    public DeliverySession(
        DeliveryContext context,
        IDeliveryStore store,
        ICursorStore cursors,
        IMemorySyncTransport transport,
        IIdempotencyKeyBuilder keys,
        DeliveryOptions options,
        TimeProvider time,
        ILogger logger)
    {
        _context = context;
        _store = store;
        _cursors = cursors;
        _transport = transport;
        _keys = keys;
        _options = options;
        _time = time;
        _logger = logger;
        _composer = new MemoryComposer(transport, options);
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentBatches));
        KnownItems = new LedgerKnownItems(store, context.Instance.Name);
        Listing = new RunListing(KnownItems);
    }

    /// <summary>What the ledger holds for this connector, as the connector may ask during the run.</summary>
    public LedgerKnownItems KnownItems { get; }

    /// <summary>The run's own enumeration of the source, for connectors that report one.</summary>
    public RunListing Listing { get; }

    public RunCounters Counters { get; } = new();

    /// <summary>The first failure of a send or commit, if any; the run ends with it.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>The last cursor this session committed.</summary>
    public StoredCursor? LastCommitted => Volatile.Read(ref _lastCommitted);

    /// <summary>In a dry run: the last checkpoint the connector reported (never committed).</summary>
    public Checkpoint? LastDryRunCheckpoint => _lastDryRunCheckpoint;

    private string Connector => _context.Instance.Name;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Re-sends what the outbox holds from an earlier run that stopped before its answers were applied (a crash, a
    /// network failure), oldest first, byte-identical with the same idempotency keys.
    /// </summary>
    public async Task<int> ReplayOutboxAsync(CancellationToken cancellationToken)
    {
        var pending = _store.PendingIntents(Connector);
        foreach (var intent in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _logger.LogInformation(
                "Re-sending {Kind} request {Sequence} left in the outbox by an earlier run (attempt {Attempt})",
                intent.Kind, intent.Sequence, intent.Attempts + 1);
            var done = NewCompletion();
            await DispatchAsync(
                done,
                () => intent,
                intent.Kind == OutboxKind.BulkAdd ? SendBulkAndApplyAsync : (i, t) => SendForgetAsync(i, t),
                cancellationToken,
                sendCancellation: cancellationToken);
            await done.Task.ContinueWith(static _ => { }, TaskScheduler.Default);
            ThrowIfFailed();
        }

        return pending.Count;
    }

    /// <summary>Re-sends the dead letters of this connector as new requests (new idempotency keys).</summary>
    public async Task<DeadLetterRetry> RetryDeadLettersAsync(CancellationToken cancellationToken)
    {
        var retried = 0;
        var stale = 0;
        var notRetryable = new List<string>();
        foreach (var deadLetter in _store.DeadLetters(Connector))
        {
            ThrowIfFailed();
            KnownItems.Changing(deadLetter.NativeId);
            var entry = _store.FindLedger(Connector, deadLetter.NativeId);
            if (entry is { State: LedgerState.Delivered } && entry.Version == deadLetter.Version)
            {
                _store.RemoveDeadLetter(Connector, deadLetter.NativeId);
                stale++;
                continue;
            }

            if (deadLetter.ItemJson.Length == 0)
            {
                notRetryable.Add($"{deadLetter.NativeId}: {deadLetter.Reason}");
                continue;
            }

            var replaces = entry is { State: LedgerState.Delivered } ? entry.MemoryIds : deadLetter.ReplacesMemoryIds;
            await AddToBatchAsync(
                new BatchItem(deadLetter.NativeId, deadLetter.Version, deadLetter.Fingerprint, deadLetter.ItemJson,
                    deadLetter.ContentHash, deadLetter.LabelsHash, replaces),
                cancellationToken);
            retried++;
        }

        return new DeadLetterRetry(retried, stale, notRetryable);
    }

    public async ValueTask UpsertAsync(SourceItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ThrowIfFailed();
        Counters.CountRead();
        var mayBeRecorded = KnownItems.Changing(item.NativeId);
        await WaitForPendingAsync(item.NativeId, cancellationToken);

        var entry = mayBeRecorded ? _store.FindLedger(Connector, item.NativeId) : null;
        if (entry is { State: LedgerState.Delivered } && entry.Version == item.Version)
        {
            if (!_context.DryRun && item.Fingerprint is not null && entry.Fingerprint != item.Fingerprint)
            {
                _store.UpdateDelivered(Connector, item.NativeId, item.Version, item.Fingerprint, entry.LabelsHash ?? string.Empty, Now);
            }

            Counters.CountUnchanged();
            return;
        }

        var composition = _composer.Compose(_context.Instance, item);
        if (composition.SkipReason is { } skipReason)
        {
            await SkipCoreAsync(item.NativeId, skipReason, item.Fingerprint, entry, cancellationToken);
            return;
        }

        if (composition.InvalidReason is { } invalidReason)
        {
            DeadLetterUnsendable(item, invalidReason, entry);
            return;
        }

        var composed = composition.Item!;
        if (MayHaveDeadLetters() && _store.FindDeadLetter(Connector, item.NativeId) is { } known && known.Version == item.Version)
        {
            // Refused before at this very version; sending it again would be refused again. Ops re-drive it.
            Counters.CountUnchanged();
            return;
        }

        if (entry is { State: LedgerState.Delivered } && entry.ContentHash == composed.ContentHash)
        {
            if (entry.LabelsHash == composed.LabelsHash)
            {
                if (!_context.DryRun)
                {
                    _store.UpdateDelivered(Connector, item.NativeId, item.Version, item.Fingerprint, composed.LabelsHash, Now);
                }

                Counters.CountUnchanged();
                return;
            }

            if (_context.DryRun)
            {
                Counters.CountRelabeled();
                return;
            }

            await StartRelabelAsync(entry, composed, cancellationToken);
            return;
        }

        var replaces = entry is { State: LedgerState.Delivered } ? entry.MemoryIds : [];
        if (_context.DryRun)
        {
            if (replaces.Count > 0 || entry is { State: LedgerState.Delivered })
            {
                Counters.CountUpdated();
            }
            else
            {
                Counters.CountAdded();
            }

            return;
        }

        await AddToBatchAsync(
            new BatchItem(composed.NativeId, composed.Version, composed.Fingerprint, composed.ItemJson,
                composed.ContentHash, composed.LabelsHash, replaces, NewToLedger: entry is null),
            cancellationToken);
    }

    public async ValueTask DeleteAsync(string nativeId, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        Counters.CountRead();
        await ForgetItemAsync(nativeId, countAsPruned: false, cancellationToken);
    }

    /// <summary>Forgets an item the full listing no longer has (pruning).</summary>
    public async ValueTask PruneAsync(string nativeId, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        KillPoints.Reached(KillPoints.Pruning);
        await ForgetItemAsync(nativeId, countAsPruned: true, cancellationToken);
    }

    public async ValueTask SkipAsync(Skip skip, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skip);
        ThrowIfFailed();
        Counters.CountRead();
        var mayBeRecorded = KnownItems.Changing(skip.NativeId);
        await WaitForPendingAsync(skip.NativeId, cancellationToken);
        var entry = mayBeRecorded ? _store.FindLedger(Connector, skip.NativeId) : null;
        await SkipCoreAsync(skip.NativeId, skip.Reason, skip.Fingerprint, entry, cancellationToken);
    }

    public async ValueTask CheckpointAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ThrowIfFailed();
        if (_openBatch is not null && _time.GetUtcNow() - _openBatch.StartedAt >= _options.Linger)
        {
            await SealBatchAsync(cancellationToken);
        }

        if (_openForget is not null)
        {
            await SealForgetAsync(cancellationToken);
        }

        if (_context.DryRun)
        {
            _lastDryRunCheckpoint = checkpoint;
            return;
        }

        Task barrier;
        lock (_gate)
        {
            _outstanding.RemoveAll(t => t.IsCompletedSuccessfully);
            var waits = new List<Task>(_outstanding);
            if (_openBatch is not null)
            {
                waits.Add(_openBatch.Done.Task);
            }

            barrier = waits.Count == 0 ? Task.CompletedTask : Task.WhenAll(waits);
            _checkpoints.Enqueue(new PendingCheckpoint(checkpoint, barrier));
        }

        if (barrier.IsCompleted)
        {
            await CommitReadyCheckpointsAsync();
        }
        else
        {
            _ = barrier.ContinueWith(
                static (_, state) => ((DeliverySession)state!).CommitReadyCheckpointsAsync(),
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>
    /// Ends the session: with <paramref name="flush"/>, sends what is still open; then waits for every request in
    /// flight (until <paramref name="waitToken"/> fires) and commits every checkpoint whose changes were all
    /// acknowledged. Without flush (a stopped run), open items are dropped unsent and no later checkpoint commits.
    /// </summary>
    public async Task CompleteAsync(bool flush, CancellationToken waitToken)
    {
        if (flush && Failure is null)
        {
            if (_openBatch is not null)
            {
                await SealBatchAsync(waitToken);
            }

            if (_openForget is not null)
            {
                await SealForgetAsync(waitToken);
            }
        }
        else
        {
            _openBatch?.Done.TrySetCanceled(CancellationToken.None);
            _openBatch = null;
            _openForget?.Done.TrySetCanceled(CancellationToken.None);
            _openForget = null;
        }

        Task[] outstanding;
        lock (_gate)
        {
            // A checkpoint's barrier completes a moment after the requests it waits for (continuations run
            // asynchronously): wait for the barriers too, or the run ends before its last checkpoints commit.
            outstanding = [.. _outstanding, .. _checkpoints.Select(c => c.Barrier)];
        }

        try
        {
            await Task.WhenAll(outstanding).WaitAsync(waitToken);
        }
        catch (Exception) when (!waitToken.IsCancellationRequested)
        {
            // Each failure was recorded where it happened (Failure); what matters here is that all have settled.
        }

        await CommitReadyCheckpointsAsync();
        _closed = true;
    }

    private async ValueTask ForgetItemAsync(string nativeId, bool countAsPruned, CancellationToken cancellationToken)
    {
        var mayBeRecorded = KnownItems.Changing(nativeId);
        await WaitForPendingAsync(nativeId, cancellationToken);
        var entry = mayBeRecorded ? _store.FindLedger(Connector, nativeId) : null;
        if (entry is null)
        {
            if (!_context.DryRun && MayHaveDeadLetters() && _store.FindDeadLetter(Connector, nativeId) is not null)
            {
                _store.RemoveDeadLetter(Connector, nativeId);
            }

            return;
        }

        if (_context.DryRun || entry.State == LedgerState.Skipped || entry.MemoryIds.Count == 0)
        {
            if (!_context.DryRun)
            {
                _store.RemoveLedger(Connector, nativeId);
            }

            if (countAsPruned)
            {
                Counters.CountPruned();
            }
            else
            {
                Counters.CountDeleted();
            }

            return;
        }

        _openForget ??= new OpenForget();
        _openForget.Add(nativeId, entry.MemoryIds, countAsPruned);
        _pending[nativeId] = _openForget.Done.Task;
        if (_openForget.MemoryIds.Count >= _options.ForgetBatchSize)
        {
            await SealForgetAsync(cancellationToken);
        }
    }

    private async ValueTask SkipCoreAsync(
        string nativeId, string reason, string? fingerprint, LedgerDocument? entry, CancellationToken cancellationToken)
    {
        Counters.CountSkipped(nativeId, reason);
        _logger.LogDebug("Skipped {NativeId}: {Reason}", nativeId, reason);
        if (_context.DryRun)
        {
            return;
        }

        if (entry is { State: LedgerState.Skipped } && entry.Fingerprint == fingerprint && entry.Note == reason)
        {
            return;
        }

        OutboxDocument? forget = null;
        if (entry is { State: LedgerState.Delivered, MemoryIds.Count: > 0 })
        {
            forget = new OutboxDocument
            {
                Connector = Connector,
                EndUserId = _context.Instance.EndUserId,
                Kind = OutboxKind.Forget,
                ForgetIds = [.. entry.MemoryIds],
                ForgetNativeIds = [nativeId],
                CreatedAt = Now,
            };
        }

        _store.RecordSkip(Connector, nativeId, reason, fingerprint, forget, Now);
        if (forget is null)
        {
            return;
        }

        var done = NewCompletion();
        _pending[nativeId] = done.Task;
        await DispatchAsync(done, () => forget, (i, t) => SendForgetAsync(i, t), cancellationToken);
    }

    private void DeadLetterUnsendable(SourceItem item, string reason, LedgerDocument? entry)
    {
        _logger.LogWarning("Dead-lettered {NativeId} (version {Version}): {Reason}", item.NativeId, item.Version, reason);
        Counters.CountDeadLettered();
        if (_context.DryRun)
        {
            return;
        }

        _deadLettered = true;
        _store.AddDeadLetter(new DeadLetterDocument
        {
            Id = StateDatabase.LedgerKey(Connector, item.NativeId),
            Connector = Connector,
            NativeId = item.NativeId,
            Version = item.Version,
            Reason = reason,
            FirstFailedAt = Now,
            LastFailedAt = Now,
            Fingerprint = item.Fingerprint,
            ReplacesMemoryIds = entry is { State: LedgerState.Delivered } ? [.. entry.MemoryIds] : [],
        });
    }

    private async ValueTask StartRelabelAsync(LedgerDocument entry, ComposedItem composed, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var done = NewCompletion();
        Track(done.Task);
        _pending[composed.NativeId] = done.Task;
        _ = RelabelAsync(entry, composed, done);
    }

    private async Task RelabelAsync(LedgerDocument entry, ComposedItem composed, TaskCompletionSource done)
    {
        var memoryGone = false;
        try
        {
            var labels = new MemoryLabels
            {
                Tags = composed.Memory.Tags,
                Metadata = composed.Memory.Metadata,
                Source = composed.Memory.Source,
                EventType = composed.Memory.EventType,
            };
            foreach (var memoryId in entry.MemoryIds)
            {
                await _transport.UpdateLabelsAsync(_context.Instance.EndUserId, memoryId, labels, _context.SendToken);
            }

            _store.UpdateDelivered(Connector, composed.NativeId, composed.Version, composed.Fingerprint, composed.LabelsHash, Now);
            Counters.CountRelabeled();
            done.TrySetResult();
        }
        catch (MemorySyncNotFoundException)
        {
            memoryGone = true;
        }
        catch (Exception ex)
        {
            Fail(ex);
            done.TrySetException(ex);
        }

        if (!memoryGone)
        {
            _slots.Release();
            return;
        }

        // The memory is gone on the service side (deleted out of band): deliver this version afresh.
        _logger.LogWarning(
            "Memory of {NativeId} no longer exists in MemorySync; sending version {Version} again",
            composed.NativeId, composed.Version);
        OutboxDocument intent;
        try
        {
            intent = CreateBulkIntent([new BatchItem(composed.NativeId, composed.Version, composed.Fingerprint,
                composed.ItemJson, composed.ContentHash, composed.LabelsHash, [])]);
        }
        catch (Exception ex)
        {
            _slots.Release();
            Fail(ex);
            done.TrySetException(ex);
            return;
        }

        Track(done.Task);
        _ = RunIntentAsync(intent, done, SendBulkAndApplyAsync, CancellationToken.None);
    }

    private async ValueTask AddToBatchAsync(BatchItem item, CancellationToken cancellationToken)
    {
        if (_openBatch is not null
            && _openBatch.Bytes + item.ItemJson.Length > _options.MaxBatchBytes
            && _openBatch.Items.Count > 0)
        {
            await SealBatchAsync(cancellationToken);
        }

        _openBatch ??= new OpenBatch(_time.GetUtcNow());
        _openBatch.Add(item);
        _pending[item.NativeId] = _openBatch.Done.Task;
        if (_openBatch.Items.Count >= Math.Clamp(_options.BatchSize, 1, 50))
        {
            await SealBatchAsync(cancellationToken);
        }
    }

    private async ValueTask SealBatchAsync(CancellationToken cancellationToken)
    {
        var batch = _openBatch;
        if (batch is null)
        {
            return;
        }

        _openBatch = null;
        await DispatchAsync(batch.Done, () => CreateBulkIntent(batch.Items), SendBulkAndApplyAsync, cancellationToken);
    }

    private OutboxDocument CreateBulkIntent(IReadOnlyList<BatchItem> items)
    {
        var itemKeys = items.Select(i => _keys.ForItem(Connector, i.NativeId, i.Version));

        // The batch digest names what is inside; the suffix makes the key unique for ever, so a later request can never
        // be answered with the replay of an earlier one (e.g. after a quota answer that stored nothing).
        var unique = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var intent = new OutboxDocument
        {
            Connector = Connector,
            EndUserId = _context.Instance.EndUserId,
            Kind = OutboxKind.BulkAdd,
            IdempotencyKey = $"{_keys.ForBatch(Connector, itemKeys)}.{unique}",
            Body = _transport.ComposeBulkAdd([.. items.Select(i => i.ItemJson)], _options.Deduplicate),
            Items = [.. items.Select(i => new OutboxItemDocument
            {
                NativeId = i.NativeId,
                Version = i.Version,
                Fingerprint = i.Fingerprint,
                ContentHash = i.ContentHash,
                LabelsHash = i.LabelsHash,
                ReplacesMemoryIds = [.. i.ReplacesMemoryIds],
                NewToLedger = i.NewToLedger,
                // The body already holds each item's bytes; a refused item's are cut out of it when needed.
            })],
            CreatedAt = Now,
        };
        return _store.AddIntent(intent);
    }

    /// <summary>Sends a bulk intent and applies its answer (and forgets what its items replace).</summary>
    private async Task SendBulkAndApplyAsync(OutboxDocument intent, CancellationToken cancellationToken)
    {
        var result = await _transport.SendBulkAddAsync(
            _context.Instance.EndUserId, intent.Body, intent.IdempotencyKey, cancellationToken);
        KillPoints.Reached(KillPoints.Answered);
        var forget = ApplyBulkResult(intent, result);
        if (forget is not null)
        {
            await SendForgetAsync(forget, cancellationToken);
        }
    }

    private OutboxDocument? ApplyBulkResult(OutboxDocument intent, BulkAddResult result)
    {
        if (result.QuotaSuppressed || result.Results.Any(r => r.Status == MemoryWriteStatus.QuotaSuppressed))
        {
            // Nothing was stored, and the service may replay this answer for this key: drop the intent; the items are
            // read again from the unmoved cursor and sent under a new key.
            _store.CompleteIntent(intent.Sequence);
            throw new MemorySyncQuotaSuppressedException(
                "MemorySync answered {\"status\":\"ok\"} without storing anything: the account is over its monthly quota " +
                "(silent mode). Nothing was lost; the cursor stays and the items are sent again on the next run.")
            {
                RequestId = result.RequestId,
                Operation = "POST /memory/bulk-add",
            };
        }

        var byIndex = result.Results.ToDictionary(r => r.Index);
        var outcomes = new ItemOutcome[intent.Items.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (!byIndex.TryGetValue(i, out var r))
            {
                throw new MemorySyncServerException(
                    $"MemorySync's bulk answer has no result for item {i} of {intent.Items.Count}; the request stays in the outbox.")
                {
                    RequestId = result.RequestId,
                    Operation = "POST /memory/bulk-add",
                };
            }

            outcomes[i] = r.Status switch
            {
                MemoryWriteStatus.Created => new ItemOutcome(true, r.MemoryIds, r.MemoryIds.Count == 0 ? "created without a memory id" : null),
                MemoryWriteStatus.Skipped => new ItemOutcome(true, r.MemoryIds, $"MemorySync skipped it: {r.Reason ?? "no reason given"}"),
                _ => new ItemOutcome(false, [], $"refused by MemorySync: {r.Reason ?? "no reason given"}"),
            };
        }

        if (outcomes.Any(o => !o.Stored))
        {
            _deadLettered = true;
        }

        var forget = _store.ApplyBulkResult(intent, outcomes, Now);
        for (var i = 0; i < outcomes.Length; i++)
        {
            var item = intent.Items[i];
            if (!outcomes[i].Stored)
            {
                Counters.CountDeadLettered();
                _logger.LogWarning(
                    "Dead-lettered {NativeId} (version {Version}): {Reason}", item.NativeId, item.Version, outcomes[i].Note);
            }
            else if (item.ReplacesMemoryIds.Count > 0)
            {
                Counters.CountUpdated();
            }
            else
            {
                Counters.CountAdded();
            }
        }

        _logger.LogDebug(
            "Bulk request {Sequence} acknowledged ({Count} items, request {RequestId})",
            intent.Sequence, intent.Items.Count, result.RequestId);
        return forget;
    }

    private async ValueTask SealForgetAsync(CancellationToken cancellationToken)
    {
        var forget = _openForget;
        if (forget is null)
        {
            return;
        }

        _openForget = null;
        var nativeIds = forget.Items.Select(i => i.NativeId).ToList();
        await DispatchAsync(
            forget.Done,
            () => _store.AddForgetIntent(
                new OutboxDocument
                {
                    Connector = Connector,
                    EndUserId = _context.Instance.EndUserId,
                    Kind = OutboxKind.Forget,
                    ForgetIds = [.. forget.MemoryIds],
                    ForgetNativeIds = nativeIds,
                    CreatedAt = Now,
                },
                nativeIds),
            async (intent, token) =>
            {
                await SendForgetAsync(intent, token);
                Counters.CountPruned(forget.Items.Count(i => i.Pruned));
                Counters.CountDeleted(forget.Items.Count(i => !i.Pruned));
            },
            cancellationToken);
    }

    /// <summary>
    /// Takes a send slot (waiting while all are busy), writes the request's intent, and starts sending it. The slot is
    /// released and <paramref name="done"/> completed when the request is answered and applied, or has failed.
    /// </summary>
    /// <param name="done">Completed with the request.</param>
    /// <param name="writeIntent">Writes the intent (or returns one already written).</param>
    /// <param name="send">Sends and applies it.</param>
    /// <param name="cancellationToken">Cancels the wait for a slot (the reader's token).</param>
    /// <param name="sendCancellation">
    /// Also cancels the send besides the session's send token; requests of a running read are not cancelled with the
    /// read, so that they can finish within the grace period.
    /// </param>
    private async ValueTask DispatchAsync(
        TaskCompletionSource done,
        Func<OutboxDocument> writeIntent,
        Func<OutboxDocument, CancellationToken, Task> send,
        CancellationToken cancellationToken,
        CancellationToken sendCancellation = default)
    {
        try
        {
            await _slots.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            done.TrySetCanceled(cancellationToken);
            throw;
        }

        OutboxDocument intent;
        try
        {
            intent = writeIntent();
        }
        catch (Exception ex)
        {
            _slots.Release();
            Fail(ex);
            done.TrySetException(ex);
            throw;
        }

        Track(done.Task);
        KillPoints.Reached(KillPoints.IntentWritten);
        _ = RunIntentAsync(intent, done, send, sendCancellation);
    }

    /// <summary>Sends a written intent. Owns one slot, released at the end.</summary>
    private async Task RunIntentAsync(
        OutboxDocument intent,
        TaskCompletionSource done,
        Func<OutboxDocument, CancellationToken, Task> send,
        CancellationToken cancellationToken)
    {
        try
        {
            // Sends outlive a stopped run on purpose (the grace period), so only the session's send token cancels them,
            // plus, for a replay at the start of a run, the run's own token.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_context.SendToken, cancellationToken);
            await send(intent, linked.Token);
            done.TrySetResult();
        }
        catch (Exception ex)
        {
            Fail(ex);
            TryRecordAttemptFailure(intent, ex);
            done.TrySetException(ex);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task SendForgetAsync(OutboxDocument intent, CancellationToken cancellationToken)
    {
        try
        {
            await _transport.ForgetAsync(intent.EndUserId, intent.ForgetIds, cancellationToken);
        }
        catch (MemorySyncNotFoundException)
        {
            // Already gone: forgetting is done.
        }
        catch (MemorySyncValidationException ex)
        {
            // The service refuses these ids for good; keeping the intent would block every later run. The memories
            // stay in MemorySync; say so loudly.
            _logger.LogError(
                "MemorySync refused to forget memories {MemoryIds} of {NativeIds}: {Error}. They remain in MemorySync.",
                intent.ForgetIds, intent.ForgetNativeIds, ex.Message);
        }

        _store.CompleteIntent(intent.Sequence);
    }

    private async Task CommitReadyCheckpointsAsync()
    {
        await _commitGate.WaitAsync();
        try
        {
            while (true)
            {
                PendingCheckpoint next;
                lock (_gate)
                {
                    if (_checkpoints.Count == 0)
                    {
                        return;
                    }

                    next = _checkpoints.Peek();
                    if (!next.Barrier.IsCompletedSuccessfully)
                    {
                        // Not yet, or never (a request before it failed): commits stay in source order.
                        return;
                    }

                    _checkpoints.Dequeue();
                }

                KillPoints.Reached(KillPoints.BeforeCursorCommit);
                var committed = await _cursors.CommitAsync(
                    Connector, next.Checkpoint.Cursor, next.Checkpoint.Position, CancellationToken.None);
                KillPoints.Reached(KillPoints.AfterCursorCommit);
                Volatile.Write(ref _lastCommitted, committed);
                Counters.CountCheckpoint();
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            _commitGate.Release();
        }
    }

    private async ValueTask WaitForPendingAsync(string nativeId, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            throw new InvalidOperationException("The delivery session is closed.");
        }

        if (_pending.Count > 4096)
        {
            foreach (var key in _pending.Where(p => p.Value.IsCompleted).Select(p => p.Key).ToList())
            {
                _pending.Remove(key);
            }
        }

        if (!_pending.TryGetValue(nativeId, out var task))
        {
            return;
        }

        if (!task.IsCompleted)
        {
            if (_openBatch?.Contains(nativeId) == true)
            {
                await SealBatchAsync(cancellationToken);
            }

            if (_openForget?.Contains(nativeId) == true)
            {
                await SealForgetAsync(cancellationToken);
            }

            try
            {
                await task.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The failure is recorded in Failure and surfaces below.
            }
        }

        _pending.Remove(nativeId);
        ThrowIfFailed();
    }

    private void Track(Task task)
    {
        lock (_gate)
        {
            _outstanding.Add(task);
        }
    }

    private void Fail(Exception exception)
    {
        if (exception is OperationCanceledException && _context.SendToken.IsCancellationRequested)
        {
            exception = new OperationCanceledException("Delivery was stopped before MemorySync answered.", exception);
        }

        Interlocked.CompareExchange(ref _failure, exception, null);
    }

    // Whether a dead letter of this connector may exist: one was there when the run began, or the run wrote one.
    // Most runs have none, and a lookup per item would cost as much as the ledger's.
    private bool MayHaveDeadLetters() =>
        _deadLettered || (_hadDeadLetters ??= _store.DeadLetterCount(Connector) > 0);

    private void ThrowIfFailed()
    {
        if (Failure is { } failure)
        {
            throw new DeliveryFailedException(failure);
        }
    }

    private void TryRecordAttemptFailure(OutboxDocument intent, Exception ex)
    {
        try
        {
            _store.RecordAttemptFailure(intent.Sequence, ex.Message);
        }
        catch (Exception storeError)
        {
            _logger.LogError(storeError, "Could not record the failed attempt of outbox request {Sequence}", intent.Sequence);
        }
    }

    private static TaskCompletionSource NewCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record PendingCheckpoint(Checkpoint Checkpoint, Task Barrier);

    private sealed record BatchItem(
        string NativeId,
        string Version,
        string? Fingerprint,
        byte[] ItemJson,
        string ContentHash,
        string LabelsHash,
        IReadOnlyList<long> ReplacesMemoryIds,
        bool NewToLedger = false);

    private sealed class OpenBatch(DateTimeOffset startedAt)
    {
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

        public DateTimeOffset StartedAt { get; } = startedAt;

        public List<BatchItem> Items { get; } = [];

        public int Bytes { get; private set; }

        public TaskCompletionSource Done { get; } = NewCompletion();

        public void Add(BatchItem item)
        {
            Items.Add(item);
            _ids.Add(item.NativeId);
            Bytes += item.ItemJson.Length;
        }

        public bool Contains(string nativeId) => _ids.Contains(nativeId);
    }

    private sealed class OpenForget
    {
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

        public List<long> MemoryIds { get; } = [];

        public List<(string NativeId, bool Pruned)> Items { get; } = [];

        public TaskCompletionSource Done { get; } = NewCompletion();

        public void Add(string nativeId, IEnumerable<long> memoryIds, bool pruned)
        {
            Items.Add((nativeId, pruned));
            _ids.Add(nativeId);
            MemoryIds.AddRange(memoryIds);
        }

        public bool Contains(string nativeId) => _ids.Contains(nativeId);
    }
}

/// <summary>Who a delivery session delivers for, and how.</summary>
/// <param name="Instance">The connector instance.</param>
/// <param name="DryRun">Count what would be sent; send and record nothing.</param>
/// <param name="SendToken">Cancels requests in flight; fires only when a stop's grace period has run out.</param>
internal sealed record DeliveryContext(ConnectorInstance Instance, bool DryRun, CancellationToken SendToken);

/// <summary>What a dead-letter retry did.</summary>
internal sealed record DeadLetterRetry(int Retried, int AlreadyDelivered, IReadOnlyList<string> NotRetryable);

/// <summary>A send or commit of this session failed; the run ends and the cursor stays at its last commit.</summary>
internal sealed class DeliveryFailedException : Exception
{
    public DeliveryFailedException(Exception inner)
        : base(inner.Message, inner)
    {
    }

    public DeliveryFailedException()
    {
    }

    public DeliveryFailedException(string message)
        : base(message)
    {
    }

    public DeliveryFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>MemorySync accepted a write without storing it (a monthly quota in silent mode).</summary>
internal sealed class MemorySyncQuotaSuppressedException : MemorySyncException
{
    public MemorySyncQuotaSuppressedException()
    {
    }

    public MemorySyncQuotaSuppressedException(string message)
        : base(message)
    {
    }

    public MemorySyncQuotaSuppressedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public override bool IsTransient => true;
}
