using System.Security.Cryptography;
using ConnectorHost.Abstractions;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.Scheduling;
using ConnectorHost.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Delivery;

/// <summary>
/// Runs one connector once: takes its lease, re-sends what an earlier run left in the outbox, reads the source from
/// the committed cursor through a <see cref="DeliverySession"/>, prunes when due, and records the run.
/// </summary>
/// <remarks>
/// This is the boundary where plugin code runs: everything a connector throws is caught here and recorded as the run's
/// outcome with a reason; nothing a connector does can stop the host. A connector that ignores cancellation past the
/// grace period is abandoned (left running on its own; nothing it yields afterwards is delivered).
/// </remarks>
internal sealed class ConnectorRunner(
    IDeliveryStore store,
    ICursorStore cursors,
    IRunHistory history,
    IRunLeases leases,
    IMemorySyncTransport transport,
    IIdempotencyKeyBuilder keys,
    DeliveryOptions deliveryOptions,
    RunnerOptions runnerOptions,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("ConnectorHost.Delivery.ConnectorRunner");

    public async Task<RunReport> RunAsync(ConnectorHandle connector, RunRequest request, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(request);
        using var lease = leases.TryAcquire(connector.Name);
        if (lease is null)
        {
            return RunReport.Busy(connector.Name);
        }

        var runId = NewRunId();
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["Connector"] = connector.Name, ["RunId"] = runId });
        using var lane = runnerOptions.EnterLane?.Invoke(connector.Name);
        var started = time.GetUtcNow();
        var cursorBefore = await cursors.LoadAsync(connector.Name, CancellationToken.None);
        var record = new RunDocument
        {
            RunId = runId,
            Connector = connector.Name,
            Trigger = request.Trigger,
            FullSync = request.FullSync,
            DryRun = request.DryRun,
            StartedAt = started.ToUnixTimeMilliseconds(),
            Outcome = RunOutcomes.Running,
            CursorRevisionBefore = cursorBefore?.Revision,
        };
        history.Save(record);
        _logger.LogInformation(
            "Run {RunId} of {Connector} started ({Trigger}{Full}{Dry}) from cursor revision {Revision}",
            runId, connector.Name, request.Trigger, request.FullSync ? ", full" : "", request.DryRun ? ", dry run" : "",
            cursorBefore?.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");

        using var sendCts = new CancellationTokenSource();
        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
        runCts.CancelAfter(connector.RunTimeout);
        var session = new DeliverySession(
            new DeliveryContext(connector.Instance, request.DryRun, sendCts.Token),
            store, cursors, transport, keys, deliveryOptions, time,
            loggerFactory.CreateLogger<DeliverySession>());

        var outcome = RunOutcomes.Succeeded;
        string? error = null;
        TimeSpan? retryAfter = null;
        PruneReport? prune = null;
        var readSucceeded = false;
        var abandoned = false;
        await using var services = connector.Services.CreateAsyncScope();
        try
        {
            if (!request.DryRun)
            {
                await session.ReplayOutboxAsync(runCts.Token);
            }

            IConnector plugin;
            using (connector.EnterPluginContext?.Invoke())
            {
                plugin = services.ServiceProvider.GetRequiredService<IConnector>();
            }

            var readRequest = new ReadRequest
            {
                Cursor = request.FullSync ? null : cursorBefore?.Value,
                IsFullSync = request.FullSync,
                RunId = runId,
                KnownItems = session.KnownItems,
                Listing = plugin is IFullListing ? session.Listing : null,
            };

            // The read loop runs on its own task so that a connector that blocks or ignores cancellation can be left
            // behind after the grace period instead of holding the host.
            var readTask = Task.Run(() => ReadAllAsync(connector, plugin, readRequest, session, runCts.Token), CancellationToken.None);
            abandoned = !await CompletesWithinGraceAsync(readTask, runCts.Token);
            if (abandoned)
            {
                outcome = RunOutcomes.Abandoned;
                error = $"the connector did not stop within {runnerOptions.GracePeriod.TotalSeconds:0} s of being asked to " +
                        $"({(stopToken.IsCancellationRequested ? "shutdown" : "run timeout " + connector.RunTimeout)}); the run was abandoned";
                _logger.LogError("Run {RunId} of {Connector} abandoned: {Error}", runId, connector.Name, error);
            }
            else
            {
                await readTask;
                readSucceeded = true;
                if (plugin is IFullListing listing && session.Failure is null)
                {
                    prune = await PruneIfDueAsync(connector, request, readRequest, listing, session, runCts.Token);
                }
            }
        }
        catch (Exception ex)
        {
            (outcome, error, retryAfter) = Classify(ex, stopToken, runCts.Token);
        }

        // Let requests in flight finish (they may commit checkpoints) within the grace period, then stop them.
        using (var graceCts = new CancellationTokenSource(runnerOptions.GracePeriod, time))
        {
            using var stopSends = graceCts.Token.Register(() => sendCts.Cancel());
            await session.CompleteAsync(flush: readSucceeded && !abandoned, graceCts.Token);
        }

        if (session.Failure is { } deliveryFailure && outcome is RunOutcomes.Succeeded or RunOutcomes.Cancelled or RunOutcomes.TimedOut)
        {
            (outcome, error, retryAfter) = Classify(new DeliveryFailedException(deliveryFailure), stopToken, runCts.Token);
        }

        if (outcome == RunOutcomes.Succeeded && (session.Counters.DeadLettered > 0 || prune is { Refused: true } || prune?.Note?.StartsWith("pruning failed", StringComparison.Ordinal) == true))
        {
            outcome = RunOutcomes.CompletedWithWarnings;
        }

        var counters = session.Counters;
        record.EndedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        record.Outcome = outcome;
        record.Error = error;
        record.CursorRevisionAfter = session.LastCommitted?.Revision ?? cursorBefore?.Revision;
        record.Read = counters.Read;
        record.Added = counters.Added;
        record.Updated = counters.Updated;
        record.Relabeled = counters.Relabeled;
        record.Deleted = counters.Deleted;
        record.Unchanged = counters.Unchanged;
        record.Skipped = counters.Skipped;
        record.DeadLettered = counters.DeadLettered;
        record.Pruned = counters.Pruned;
        record.PruneNote = prune?.Note;
        record.SkipReasons = [.. counters.SkipReasons];
        history.Save(record);
        if (!request.DryRun)
        {
            UpdateConnectorState(connector.Name, outcome, retryAfter, prune);
        }

        var elapsed = time.GetUtcNow() - started;
        _logger.Log(
            outcome is RunOutcomes.Succeeded or RunOutcomes.CompletedWithWarnings ? LogLevel.Information : LogLevel.Warning,
            "Run {RunId} of {Connector} ended {Outcome} after {ElapsedSeconds:0.0} s: read {Read}, added {Added}, updated {Updated}, " +
            "relabeled {Relabeled}, deleted {Deleted}, unchanged {Unchanged}, skipped {Skipped}, dead-lettered {DeadLettered}, " +
            "pruned {Pruned}; cursor revision {RevisionBefore} -> {RevisionAfter}{Error}",
            runId, connector.Name, outcome, elapsed.TotalSeconds, counters.Read, counters.Added, counters.Updated, counters.Relabeled,
            counters.Deleted, counters.Unchanged, counters.Skipped, counters.DeadLettered, counters.Pruned,
            record.CursorRevisionBefore?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
            record.CursorRevisionAfter?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
            error is null ? "" : "; " + error);

        return new RunReport(record, prune, retryAfter, session.LastDryRunCheckpoint, IsBusy: false);
    }

    /// <summary>Re-sends the dead letters of a connector (under its lease).</summary>
    public async Task<DeadLetterRetryReport> RetryDeadLettersAsync(ConnectorHandle connector, CancellationToken cancellationToken)
    {
        using var lease = leases.TryAcquire(connector.Name);
        if (lease is null)
        {
            return new DeadLetterRetryReport(IsBusy: true, null, null, null);
        }

        using var lane = runnerOptions.EnterLane?.Invoke(connector.Name);
        using var sendCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var session = new DeliverySession(
            new DeliveryContext(connector.Instance, DryRun: false, sendCts.Token),
            store, cursors, transport, keys, deliveryOptions, time,
            loggerFactory.CreateLogger<DeliverySession>());
        DeadLetterRetry? retry = null;
        try
        {
            await session.ReplayOutboxAsync(cancellationToken);
            retry = await session.RetryDeadLettersAsync(cancellationToken);
        }
        finally
        {
            await session.CompleteAsync(flush: session.Failure is null, cancellationToken);
        }

        return new DeadLetterRetryReport(IsBusy: false, retry, session.Counters, session.Failure?.Message);
    }

    private static async Task ReadAllAsync(
        ConnectorHandle connector, IConnector plugin, ReadRequest request, DeliverySession session, CancellationToken token)
    {
        using var pluginContext = connector.EnterPluginContext?.Invoke();
        await foreach (var change in plugin.ReadChangesAsync(request, token).WithCancellation(token))
        {
            KillPoints.Reached(KillPoints.Read);
            switch (change)
            {
                case Upsert upsert:
                    await session.UpsertAsync(upsert.Item, token);
                    break;
                case Delete delete:
                    await session.DeleteAsync(delete.NativeId, token);
                    break;
                case Skip skip:
                    await session.SkipAsync(skip, token);
                    break;
                case Checkpoint checkpoint:
                    await session.CheckpointAsync(checkpoint, token);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown change type {change.GetType().FullName}.");
            }
        }
    }

    /// <summary>Waits for the read loop; once cancellation is requested, waits at most the grace period more.</summary>
    /// <returns>false when the read loop was abandoned.</returns>
    private async Task<bool> CompletesWithinGraceAsync(Task readTask, CancellationToken runToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (runToken.Register(() => cancelled.TrySetResult()))
        {
            if (await Task.WhenAny(readTask, cancelled.Task) == readTask)
            {
                return true;
            }
        }

        using var graceCts = new CancellationTokenSource();
        var grace = Task.Delay(runnerOptions.GracePeriod, time, graceCts.Token);
        var first = await Task.WhenAny(readTask, grace);
        await graceCts.CancelAsync();
        if (first == readTask)
        {
            return true;
        }

        // Observe the abandoned task's eventual exception so it is not reported as unobserved.
        _ = readTask.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        return false;
    }

    private async Task<PruneReport?> PruneIfDueAsync(
        ConnectorHandle connector,
        RunRequest request,
        ReadRequest readRequest,
        IFullListing listing,
        DeliverySession session,
        CancellationToken token)
    {
        var state = history.GetState(connector.Name);
        var interval = connector.PruneInterval ?? listing.PruneInterval;
        var now = time.GetUtcNow();
        var lastPruned = state.LastPrunedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : (DateTimeOffset?)null;
        var reason = request.FullSync ? "full sync"
            : readRequest.PruningRequestedReason is { } requested ? "requested by the connector: " + requested
            : lastPruned is null ? "first pruning"
            : now - lastPruned >= interval ? $"prune interval {interval} passed"
            : null;
        if (reason is null)
        {
            return null;
        }

        _logger.LogInformation("Pruning {Connector} ({Reason})", connector.Name, reason);
        try
        {
            using var pluginContext = connector.EnterPluginContext?.Invoke();
            return await new Pruner(store, _logger).PruneAsync(
                connector.Name,
                listing,
                session,
                new PrunePolicy(connector.MaxDeletePercent, request.AllowMassDelete, request.DryRun),
                token);
        }
        catch (Exception ex) when (ex is not DeliveryFailedException && !token.IsCancellationRequested)
        {
            // A failed listing prunes nothing (a partial listing would forget live items); the delivered changes stand.
            var note = $"pruning failed, nothing was forgotten: {Describe(ex)}";
            _logger.LogWarning(ex, "Pruning {Connector} failed; nothing was forgotten", connector.Name);
            return new PruneReport(0, 0, 0, Refused: false, note, []);
        }
    }

    private void UpdateConnectorState(string connector, string outcome, TimeSpan? retryAfter, PruneReport? prune)
    {
        var state = history.GetState(connector);
        var now = time.GetUtcNow();
        if (outcome is RunOutcomes.Succeeded or RunOutcomes.CompletedWithWarnings)
        {
            state.ConsecutiveFailures = 0;
            state.BackoffUntil = null;
        }
        else if (outcome is RunOutcomes.Failed or RunOutcomes.RateLimited or RunOutcomes.TimedOut or RunOutcomes.Abandoned)
        {
            state.ConsecutiveFailures++;
            var backoff = runnerOptions.BackoffFor(state.ConsecutiveFailures);
            if (retryAfter is { } wait && wait > backoff)
            {
                backoff = wait;
            }

            state.BackoffUntil = (now + backoff).ToUnixTimeMilliseconds();
        }

        if (prune is { Refused: false } && prune.Note?.StartsWith("pruning failed", StringComparison.Ordinal) != true && prune.Note?.StartsWith("dry run", StringComparison.Ordinal) != true)
        {
            state.LastPrunedAt = now.ToUnixTimeMilliseconds();
        }

        history.SaveState(state);
    }

    private static (string Outcome, string Error, TimeSpan? RetryAfter) Classify(
        Exception ex, CancellationToken stopToken, CancellationToken runToken)
    {
        var inner = ex is DeliveryFailedException { InnerException: { } cause } ? cause : ex;
        return inner switch
        {
            MemorySyncRateLimitException rate => (
                RunOutcomes.RateLimited,
                $"MemorySync rate limit: {rate.Message}" + (rate.RetryAfter is { } r ? $" (retry after {r.TotalSeconds:0} s)" : ""),
                rate.RetryAfter),
            MemorySyncException memorySync => (RunOutcomes.Failed, $"MemorySync: {memorySync.Message}", null),
            ConnectorException connector => (RunOutcomes.Failed, connector.Message, connector.RetryAfter),
            OperationCanceledException when stopToken.IsCancellationRequested =>
                (RunOutcomes.Cancelled, "stopped (shutdown or operator); acknowledged changes were kept", null),
            OperationCanceledException when runToken.IsCancellationRequested =>
                (RunOutcomes.TimedOut, "the run exceeded its time budget (runTimeout); acknowledged changes were kept", null),
            _ => (RunOutcomes.Failed, Describe(inner), null),
        };
    }

    private static string Describe(Exception ex) => $"{ex.GetType().Name}: {ex.Message}";

    private string NewRunId() =>
        time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" +
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
}

/// <summary>Timing rules of runs.</summary>
internal sealed class RunnerOptions
{
    /// <summary>How long a stopped run may take to wind down (the connector to stop, requests in flight to finish).</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Back-off after the first consecutive failure; doubles with each further one.</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan BackoffCap { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Enters the MemorySync client's fairness lane for a connector (for the duration of its run).</summary>
    public Func<string, IDisposable>? EnterLane { get; init; }

    public TimeSpan BackoffFor(int consecutiveFailures)
    {
        var exponent = Math.Clamp(consecutiveFailures - 1, 0, 20);
        var ticks = Math.Min(BackoffCap.Ticks, BackoffBase.Ticks * (1L << exponent));
        return TimeSpan.FromTicks(ticks);
    }
}

/// <summary>The report of a run.</summary>
internal sealed record RunReport(
    RunDocument Run,
    PruneReport? Prune,
    TimeSpan? RetryAfter,
    Checkpoint? DryRunCheckpoint,
    bool IsBusy)
{
    public bool IsSuccess => Run.Outcome is RunOutcomes.Succeeded or RunOutcomes.CompletedWithWarnings;

    public static RunReport Busy(string connector) =>
        new(new RunDocument { Connector = connector, Outcome = "Busy", Error = $"connector {connector} is running; try again or stop the service" },
            null, null, null, IsBusy: true);
}

/// <summary>The report of a dead-letter retry.</summary>
internal sealed record DeadLetterRetryReport(bool IsBusy, DeadLetterRetry? Retry, RunCounters? Counters, string? Error);
