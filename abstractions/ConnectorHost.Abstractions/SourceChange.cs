namespace ConnectorHost.Abstractions;

/// <summary>
/// One change a connector reports: <see cref="Upsert"/>, <see cref="Delete"/>, <see cref="Skip"/> or
/// <see cref="Checkpoint"/>. The set is closed; the host applies changes in the order they are yielded.
/// </summary>
public abstract record SourceChange
{
    private protected SourceChange()
    {
    }
}

/// <summary>
/// The item exists at the source with this content and version. The host sends it when the version is new to it,
/// replaces the memories of an earlier version, and does nothing when that version was already delivered.
/// </summary>
/// <param name="Item">The item.</param>
public sealed record Upsert(SourceItem Item) : SourceChange;

/// <summary>
/// The item was deleted at the source (or moved out of the connector's scope). The host forgets its memories;
/// a delete for an item it never delivered is a no-op.
/// </summary>
/// <param name="NativeId">The item's id at the source, as in <see cref="SourceItem.NativeId"/>.</param>
public sealed record Delete(string NativeId) : SourceChange;

/// <summary>
/// The item exists but its current version is deliberately not delivered (a draft, too large, content that cannot be
/// read as text). The host records the reason in the run report and forgets memories of an earlier version, so
/// MemorySync never keeps content the source no longer offers. Use an exception, not a skip, for transient failures.
/// </summary>
/// <param name="NativeId">The item's id at the source.</param>
/// <param name="Reason">Why, for a person: e.g. "larger than maxFileSizeBytes (6.2 MB &gt; 5 MB)".</param>
/// <param name="Fingerprint">
/// The item's <see cref="SourceItem.Fingerprint"/>, if the connector uses fingerprints: the host remembers it, so the
/// next run can tell the item has not changed and need not read it again.
/// </param>
public sealed record Skip(string NativeId, string Reason, string? Fingerprint = null) : SourceChange;

/// <summary>
/// Everything yielded before this change is enough to resume from <see cref="Cursor"/>. The host commits the cursor
/// only after all of it is acknowledged by MemorySync or dead-lettered.
/// </summary>
/// <param name="Cursor">
/// The connector's own resume position, opaque to the host (JSON is a good choice). Keep it small: it is stored with
/// every commit, and the last 20 are kept for rewinding.
/// </param>
/// <param name="Position">
/// When the connector can tell, the source time up to which changes are now known (e.g. the last <c>lastmodified</c>
/// read). The host reports the cursor's lag behind the current time from it.
/// </param>
public sealed record Checkpoint(string Cursor, DateTimeOffset? Position = null) : SourceChange;
