namespace ConnectorHost.Abstractions;

/// <summary>
/// Optional capability: a connector that can list the native ids of every item it would deliver now. The host uses
/// the listing to find deletions a source cannot report ("pruning"): items it delivered that are no longer listed are
/// forgotten, with a guard against mass deletion.
/// </summary>
/// <remarks>
/// The listing must be complete: throw rather than return a partial listing (a missing id means "deleted").
/// List only items the connector would deliver (not drafts, not out-of-scope items). Ids may come in any order and
/// should stream. The host prunes after a full sync and whenever <see cref="PruneInterval"/> has passed since the
/// last pruning.
/// </remarks>
public interface IFullListing
{
    /// <summary>Streams the native ids of every item the connector would deliver now.</summary>
    /// <param name="cancellationToken">Cancels the listing; a cancelled listing prunes nothing.</param>
    /// <returns>The ids.</returns>
    IAsyncEnumerable<string> ListNativeIdsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// How often to prune on scheduled runs: <see cref="TimeSpan.Zero"/> prunes on every run (cheap listings, like a
    /// folder walk); larger values suit listings that cost many source requests. Operators can override it per
    /// connector in <c>plugins.json</c>.
    /// </summary>
    TimeSpan PruneInterval => TimeSpan.FromDays(1);
}
