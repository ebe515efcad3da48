using ConnectorHost.Delivery;
using ConnectorHost.Status;

namespace ConnectorHost.Hosting;

/// <summary>
/// What operators can do to an appliance. The CLI gets these either from the running service over its loopback
/// control endpoint, or, when no service runs, directly on the data folder; both go through the same local
/// implementation, so a verb behaves the same either way.
/// </summary>
internal interface IApplianceOperations
{
    Task<StatusReport> GetStatusAsync(CancellationToken cancellationToken);

    Task<OperationResult<RunView>> SyncAsync(string connector, SyncOptions options, CancellationToken cancellationToken);

    Task<OperationResult<CursorView>> GetCursorAsync(string connector, CancellationToken cancellationToken);

    Task<OperationResult<CursorView>> ResetCursorAsync(string connector, CancellationToken cancellationToken);

    /// <summary>Sets the cursor to a value, or back to an earlier revision kept in its history.</summary>
    Task<OperationResult<CursorView>> SetCursorAsync(string connector, CursorChange change, CancellationToken cancellationToken);

    Task<OperationResult<IReadOnlyList<DeadLetterView>>> ListDeadLettersAsync(string connector, CancellationToken cancellationToken);

    Task<OperationResult<DeadLetterRetryView>> RetryDeadLettersAsync(string connector, CancellationToken cancellationToken);

    Task<OperationResult<int>> PurgeDeadLettersAsync(string connector, CancellationToken cancellationToken);
}

/// <summary>How an operation ended when it did not succeed.</summary>
internal enum OperationError
{
    None = 0,

    /// <summary>No connector by that name.</summary>
    NotFound,

    /// <summary>The connector's plugin is missing, refused or broken.</summary>
    Unavailable,

    /// <summary>The connector is disabled in plugins.json.</summary>
    Disabled,

    /// <summary>The connector is running; the operation needs its lease.</summary>
    Busy,

    /// <summary>The request itself is wrong (e.g. an unknown cursor revision).</summary>
    Invalid,
}

internal sealed record OperationResult<T>(T? Value, OperationError Error, string? Message)
{
    public bool IsSuccess => Error == OperationError.None;

    public static OperationResult<T> Ok(T value) => new(value, OperationError.None, null);

    public static OperationResult<T> Fail(OperationError error, string message) => new(default, error, message);
}

internal sealed record SyncOptions(bool Full = false, bool DryRun = false, bool AllowMassDelete = false);

/// <summary>A cursor change: either a new value, or a revision to go back to.</summary>
internal sealed record CursorChange(string? Value, long? Revision);

internal sealed record CursorView(string Connector, CursorEntryView? Current, IReadOnlyList<CursorEntryView> History);

internal sealed record CursorEntryView(string Value, long Revision, DateTimeOffset CommittedAt, DateTimeOffset? Position);

internal sealed record DeadLetterView(
    string NativeId, string Version, string Reason, int Attempts, DateTimeOffset FirstFailedAt, DateTimeOffset LastFailedAt, bool Retryable);

internal sealed record DeadLetterRetryView(int Retried, int AlreadyDelivered, IReadOnlyList<string> NotRetryable, int Delivered, int StillFailing, string? Error);

/// <summary>A run as operators see it.</summary>
internal sealed record RunView(
    string RunId,
    string Connector,
    string Trigger,
    bool FullSync,
    bool DryRun,
    string Outcome,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Read,
    int Added,
    int Updated,
    int Relabeled,
    int Deleted,
    int Unchanged,
    int Skipped,
    int DeadLettered,
    int Pruned,
    long? CursorRevisionBefore,
    long? CursorRevisionAfter,
    string? PruneNote,
    IReadOnlyList<string> SkipReasons,
    string? DryRunCursor)
{
    public bool IsSuccess => Outcome is Storage.RunOutcomes.Succeeded or Storage.RunOutcomes.CompletedWithWarnings;

    public static RunView From(RunReport report)
    {
        var run = report.Run;
        return new RunView(
            run.RunId,
            run.Connector,
            run.Trigger,
            run.FullSync,
            run.DryRun,
            run.Outcome,
            run.Error,
            DateTimeOffset.FromUnixTimeMilliseconds(run.StartedAt),
            run.EndedAt is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
            run.Read,
            run.Added,
            run.Updated,
            run.Relabeled,
            run.Deleted,
            run.Unchanged,
            run.Skipped,
            run.DeadLettered,
            run.Pruned,
            run.CursorRevisionBefore,
            run.CursorRevisionAfter,
            run.PruneNote ?? report.Prune?.Note,
            run.SkipReasons,
            report.DryRunCheckpoint?.Cursor);
    }
}
