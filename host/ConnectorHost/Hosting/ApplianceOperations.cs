using ConnectorHost.Abstractions;
using ConnectorHost.Delivery;
using ConnectorHost.Scheduling;
using ConnectorHost.Status;
using ConnectorHost.Storage;

namespace ConnectorHost.Hosting;

/// <summary>The operations, done here on this process's state (the service's, or the CLI's when no service runs).</summary>
internal sealed class ApplianceOperations(
    IConnectorRegistry registry,
    ConnectorRunner runner,
    StatusService status,
    ICursorStore cursors,
    IDeliveryStore store,
    IRunLeases leases,
    Func<IReadOnlyList<PluginStatusEntry>> plugins,
    string source,
    DateTimeOffset? startedAt,
    CancellationToken serviceStopping) : IApplianceOperations
{
    public Task<StatusReport> GetStatusAsync(CancellationToken cancellationToken) =>
        status.BuildAsync(source, plugins(), startedAt, cancellationToken);

    public async Task<OperationResult<RunView>> SyncAsync(string connector, SyncOptions options, CancellationToken cancellationToken)
    {
        if (Check<RunView>(connector) is { } problem)
        {
            return problem;
        }

        // The run belongs to the appliance, not to the caller: an operator's client going away does not stop it;
        // a service shutdown does.
        _ = cancellationToken;
        var report = await runner.RunAsync(
            registry.Find(connector)!,
            new RunRequest("manual", options.Full, options.DryRun, options.AllowMassDelete),
            serviceStopping);
        return report.IsBusy
            ? OperationResult<RunView>.Fail(OperationError.Busy, report.Run.Error!)
            : OperationResult<RunView>.Ok(RunView.From(report));
    }

    public async Task<OperationResult<CursorView>> GetCursorAsync(string connector, CancellationToken cancellationToken)
    {
        if (!Exists(connector))
        {
            return OperationResult<CursorView>.Fail(OperationError.NotFound, registry.WhyUnavailable(connector)!);
        }

        return OperationResult<CursorView>.Ok(await ViewAsync(connector, cancellationToken));
    }

    public async Task<OperationResult<CursorView>> ResetCursorAsync(string connector, CancellationToken cancellationToken)
    {
        if (!Exists(connector))
        {
            return OperationResult<CursorView>.Fail(OperationError.NotFound, registry.WhyUnavailable(connector)!);
        }

        using var lease = leases.TryAcquire(connector);
        if (lease is null)
        {
            return Busy<CursorView>(connector);
        }

        await cursors.ResetAsync(connector, cancellationToken);
        return OperationResult<CursorView>.Ok(await ViewAsync(connector, cancellationToken));
    }

    public async Task<OperationResult<CursorView>> SetCursorAsync(string connector, CursorChange change, CancellationToken cancellationToken)
    {
        if (!Exists(connector))
        {
            return OperationResult<CursorView>.Fail(OperationError.NotFound, registry.WhyUnavailable(connector)!);
        }

        using var lease = leases.TryAcquire(connector);
        if (lease is null)
        {
            return Busy<CursorView>(connector);
        }

        var value = change.Value;
        DateTimeOffset? position = null;
        if (change.Revision is { } revision)
        {
            var history = await cursors.GetHistoryAsync(connector, cancellationToken);
            var earlier = history.FirstOrDefault(c => c.Revision == revision);
            if (earlier is null)
            {
                var kept = history.Count == 0 ? "none are kept" : "kept: " + string.Join(", ", history.Select(c => c.Revision));
                return OperationResult<CursorView>.Fail(OperationError.Invalid, $"connector {connector} has no cursor revision {revision} ({kept})");
            }

            value = earlier.Value;
            position = earlier.Position;
        }

        if (value is null)
        {
            return OperationResult<CursorView>.Fail(OperationError.Invalid, "give a cursor value or --revision N");
        }

        await cursors.CommitAsync(connector, value, position, cancellationToken);
        return OperationResult<CursorView>.Ok(await ViewAsync(connector, cancellationToken));
    }

    public Task<OperationResult<IReadOnlyList<DeadLetterView>>> ListDeadLettersAsync(string connector, CancellationToken cancellationToken)
    {
        if (!Exists(connector))
        {
            return Task.FromResult(OperationResult<IReadOnlyList<DeadLetterView>>.Fail(OperationError.NotFound, registry.WhyUnavailable(connector)!));
        }

        IReadOnlyList<DeadLetterView> list = store.DeadLetters(connector)
            .Select(d => new DeadLetterView(
                d.NativeId,
                d.Version,
                d.Reason,
                d.Attempts,
                DateTimeOffset.FromUnixTimeMilliseconds(d.FirstFailedAt),
                DateTimeOffset.FromUnixTimeMilliseconds(d.LastFailedAt),
                d.ItemJson.Length > 0))
            .ToList();
        return Task.FromResult(OperationResult<IReadOnlyList<DeadLetterView>>.Ok(list));
    }

    public async Task<OperationResult<DeadLetterRetryView>> RetryDeadLettersAsync(string connector, CancellationToken cancellationToken)
    {
        if (Check<DeadLetterRetryView>(connector) is { } problem)
        {
            return problem;
        }

        var report = await runner.RetryDeadLettersAsync(registry.Find(connector)!, serviceStopping);
        if (report.IsBusy)
        {
            return Busy<DeadLetterRetryView>(connector);
        }

        var counters = report.Counters!;
        return OperationResult<DeadLetterRetryView>.Ok(new DeadLetterRetryView(
            report.Retry?.Retried ?? 0,
            report.Retry?.AlreadyDelivered ?? 0,
            report.Retry?.NotRetryable ?? [],
            counters.Added + counters.Updated,
            store.DeadLetterCount(connector),
            report.Error));
    }

    public Task<OperationResult<int>> PurgeDeadLettersAsync(string connector, CancellationToken cancellationToken)
    {
        if (!Exists(connector))
        {
            return Task.FromResult(OperationResult<int>.Fail(OperationError.NotFound, registry.WhyUnavailable(connector)!));
        }

        using var lease = leases.TryAcquire(connector);
        return Task.FromResult(lease is null ? Busy<int>(connector) : OperationResult<int>.Ok(store.PurgeDeadLetters(connector)));
    }

    private bool Exists(string connector) => registry.Entries.Any(e => e.Name == connector);

    private OperationResult<T>? Check<T>(string connector)
    {
        if (!Exists(connector))
        {
            return OperationResult<T>.Fail(OperationError.NotFound, registry.WhyUnavailable(connector)!);
        }

        if (registry.Find(connector) is not null)
        {
            return null;
        }

        var disabled = registry.Entries.First(e => e.Name == connector) is { Enabled: false };
        return OperationResult<T>.Fail(disabled ? OperationError.Disabled : OperationError.Unavailable, registry.WhyUnavailable(connector)!);
    }

    private static OperationResult<T> Busy<T>(string connector) =>
        OperationResult<T>.Fail(OperationError.Busy, $"connector {connector} is running; try again or stop the service");

    private async Task<CursorView> ViewAsync(string connector, CancellationToken cancellationToken)
    {
        var history = await cursors.GetHistoryAsync(connector, cancellationToken);
        var current = await cursors.LoadAsync(connector, cancellationToken);
        static CursorEntryView View(StoredCursor c) => new(c.Value, c.Revision, c.CommittedAt, c.Position);
        return new CursorView(
            connector,
            current is null ? null : View(current),
            [.. history.Where(c => current is null || c.Revision != current.Revision).Select(View)]);
    }
}
