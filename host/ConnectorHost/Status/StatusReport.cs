namespace ConnectorHost.Status;

/// <summary>What <c>connector-host status</c> shows: the appliance and every connector, for people and (as JSON) monitoring.</summary>
internal sealed record StatusReport
{
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary><c>service</c> when a running service answered; <c>offline</c> when read from the data folder.</summary>
    public required string Source { get; init; }

    public required string HostVersion { get; init; }

    public required string ContractVersion { get; init; }

    public DateTimeOffset? ServiceStartedAt { get; init; }

    public required IReadOnlyList<PluginStatusEntry> Plugins { get; init; }

    public required IReadOnlyList<ConnectorStatus> Connectors { get; init; }
}

internal sealed record PluginStatusEntry(
    string Folder, string? Id, string? Version, string? ContractVersion, string Status, string? Reason);

internal sealed record ConnectorStatus
{
    public required string Name { get; init; }

    public required string Plugin { get; init; }

    /// <summary>Active, Degraded (recent failures, backing off), Disabled, or Unavailable (plugin problem).</summary>
    public required string State { get; init; }

    public string? StateReason { get; init; }

    public bool Running { get; init; }

    public string? Schedule { get; init; }

    public DateTimeOffset? NextFireTime { get; init; }

    public RunSummary? LastRun { get; init; }

    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Failed runs among the recent ones (up to 20), 0 to 1.</summary>
    public double ErrorRate { get; init; }

    public int RecentRuns { get; init; }

    public int ConsecutiveFailures { get; init; }

    public DateTimeOffset? BackoffUntil { get; init; }

    public int DeadLetters { get; init; }

    /// <summary>Requests written to the outbox and not yet acknowledged (re-sent at the next run).</summary>
    public int PendingRequests { get; init; }

    public int DeliveredItems { get; init; }

    public long? CursorRevision { get; init; }

    public DateTimeOffset? CursorCommittedAt { get; init; }

    /// <summary>The source time the cursor stands for, when the connector reports it.</summary>
    public DateTimeOffset? CursorPosition { get; init; }

    /// <summary>How far the cursor's source position trails now.</summary>
    public TimeSpan? CursorLag { get; init; }

    public DateTimeOffset? LastPrunedAt { get; init; }
}

internal sealed record RunSummary(
    string RunId,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string Outcome,
    string? Error,
    int Read,
    int Added,
    int Updated,
    int Relabeled,
    int Deleted,
    int Unchanged,
    int Skipped,
    int DeadLettered,
    int Pruned);
