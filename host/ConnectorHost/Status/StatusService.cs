using ConnectorHost.Abstractions;
using ConnectorHost.Hosting;
using ConnectorHost.Scheduling;
using ConnectorHost.Storage;

namespace ConnectorHost.Status;

/// <summary>Builds the status report from the state database and the configured connectors.</summary>
internal sealed class StatusService(
    IConnectorRegistry registry,
    IRunHistory history,
    IDeliveryStore store,
    ICursorStore cursors,
    IRunLeases leases,
    TimeProvider time)
{
    public const int RecentRunWindow = 20;

    public async Task<StatusReport> BuildAsync(
        string source, IReadOnlyList<PluginStatusEntry> plugins, DateTimeOffset? serviceStartedAt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var connectors = new List<ConnectorStatus>();
        foreach (var entry in registry.Entries)
        {
            connectors.Add(await BuildAsync(entry, now, cancellationToken));
        }

        return new StatusReport
        {
            GeneratedAt = now,
            Source = source,
            HostVersion = HostInfo.ProductVersion,
            ContractVersion = HostInfo.ContractVersion.ToString(),
            ServiceStartedAt = serviceStartedAt,
            Plugins = plugins,
            Connectors = connectors,
        };
    }

    private async Task<ConnectorStatus> BuildAsync(ConnectorEntry entry, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var runs = history.Recent(entry.Name, RecentRunWindow);
        var finished = runs.Where(r => r.EndedAt is not null && !r.DryRun).ToList();
        var failures = finished.Count(r => r.Outcome is RunOutcomes.Failed or RunOutcomes.RateLimited or RunOutcomes.TimedOut
            or RunOutcomes.Abandoned or RunOutcomes.Interrupted);
        var state = history.GetState(entry.Name);
        var cursor = await cursors.LoadAsync(entry.Name, cancellationToken);
        var lastSuccess = finished.FirstOrDefault(r => r.Outcome is RunOutcomes.Succeeded or RunOutcomes.CompletedWithWarnings);

        var (status, reason) = !entry.Enabled ? ("Disabled", "enabled: false in plugins.json")
            : entry.Handle is null ? ("Unavailable", entry.UnavailableReason)
            : state.ConsecutiveFailures > 0 ? ("Degraded", $"{state.ConsecutiveFailures} consecutive failed runs; last: {finished.FirstOrDefault()?.Error}")
            : ("Active", null);

        return new ConnectorStatus
        {
            Name = entry.Name,
            Plugin = entry.Plugin,
            State = status,
            StateReason = reason,
            Running = leases.IsHeld(entry.Name),
            Schedule = entry.Schedule?.Cron,
            NextFireTime = entry.Enabled && entry.Handle is not null ? entry.Schedule?.NextFireAfter(now) : null,
            LastRun = runs.Count > 0 ? Summarize(runs[0]) : null,
            LastSuccessAt = lastSuccess?.EndedAt is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null,
            RecentRuns = finished.Count,
            ErrorRate = finished.Count == 0 ? 0 : Math.Round((double)failures / finished.Count, 3),
            ConsecutiveFailures = state.ConsecutiveFailures,
            BackoffUntil = state.BackoffUntil is { } b && b > now.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(b) : null,
            DeadLetters = store.DeadLetterCount(entry.Name),
            PendingRequests = store.PendingIntentCount(entry.Name),
            DeliveredItems = store.LedgerCount(entry.Name),
            CursorRevision = cursor?.Revision,
            CursorCommittedAt = cursor?.CommittedAt,
            CursorPosition = cursor?.Position,
            CursorLag = cursor?.Position is { } position ? now - position : null,
            LastPrunedAt = state.LastPrunedAt is { } p ? DateTimeOffset.FromUnixTimeMilliseconds(p) : null,
        };
    }

    public static RunSummary Summarize(RunDocument run) => new(
        run.RunId,
        run.Trigger,
        DateTimeOffset.FromUnixTimeMilliseconds(run.StartedAt),
        run.EndedAt is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
        run.Outcome,
        run.Error,
        run.Read,
        run.Added,
        run.Updated,
        run.Relabeled,
        run.Deleted,
        run.Unchanged,
        run.Skipped,
        run.DeadLettered,
        run.Pruned);
}
