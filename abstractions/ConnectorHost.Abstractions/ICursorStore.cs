namespace ConnectorHost.Abstractions;

/// <summary>
/// Durable cursors, one per connector instance, with the history of the last commits for rewinding.
/// </summary>
/// <remarks>
/// The host commits the cursors of <see cref="Checkpoint"/> changes itself, only once everything before them was
/// acknowledged; connectors using the pipeline never call this. It is offered to plugins that run a custom flow.
/// Every commit is durable when the returned task completes. Implementations are thread-safe.
/// </remarks>
public interface ICursorStore
{
    /// <summary>Loads the current cursor of a connector instance.</summary>
    /// <param name="connectorName">The instance name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The cursor, or <see langword="null"/> when none was committed (or it was reset).</returns>
    ValueTask<StoredCursor?> LoadAsync(string connectorName, CancellationToken cancellationToken);

    /// <summary>Commits a new cursor; the previous one moves to the history.</summary>
    /// <param name="connectorName">The instance name.</param>
    /// <param name="cursor">The cursor value.</param>
    /// <param name="position">The source time the cursor stands for, if known.</param>
    /// <param name="cancellationToken">Cancels the commit before it starts; a started commit completes.</param>
    /// <returns>The stored cursor with its new revision.</returns>
    ValueTask<StoredCursor> CommitAsync(
        string connectorName, string cursor, DateTimeOffset? position, CancellationToken cancellationToken);

    /// <summary>Lists the current cursor and the earlier ones kept for rewinding, newest first.</summary>
    /// <param name="connectorName">The instance name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Up to 20 cursors, newest first.</returns>
    ValueTask<IReadOnlyList<StoredCursor>> GetHistoryAsync(string connectorName, CancellationToken cancellationToken);

    /// <summary>Forgets the current cursor (the history is kept): the next run reads from the beginning.</summary>
    /// <param name="connectorName">The instance name.</param>
    /// <param name="cancellationToken">Cancels the reset before it starts.</param>
    /// <returns>A task that completes when the reset is durable.</returns>
    ValueTask ResetAsync(string connectorName, CancellationToken cancellationToken);
}

/// <summary>A committed cursor.</summary>
/// <param name="Value">The connector's cursor, as it wrote it.</param>
/// <param name="Revision">Increases by one with every commit of this instance.</param>
/// <param name="CommittedAt">When it was committed.</param>
/// <param name="Position">The source time it stands for, if the connector said.</param>
public sealed record StoredCursor(string Value, long Revision, DateTimeOffset CommittedAt, DateTimeOffset? Position);
