namespace ConnectorHost.Abstractions;

/// <summary>One item of a source at one version: a page, a task, a file.</summary>
/// <remarks>
/// The host builds the memory text as <see cref="Title"/>, a blank line and <see cref="Text"/> (or just the text when
/// there is no title), so do not repeat the title in the text. Memories shorter than 10 characters after trimming are
/// skipped with a reason (MemorySync rejects them). The host adds the metadata keys <c>native_id</c>, <c>version</c>,
/// <c>source</c>, <c>connector</c>, <c>title</c> and <c>url</c>; a connector's own values for those keys are replaced.
/// </remarks>
public sealed record SourceItem
{
    /// <summary>The item's stable id at the source (page id, task gid, path relative to the root). Case-sensitive.</summary>
    public required string NativeId { get; init; }

    /// <summary>
    /// The item's version: a version number, a modification stamp or a content hash. Two reads with the same version
    /// must have the same content; any change of content must change the version. Idempotency keys are built from it.
    /// </summary>
    public required string Version { get; init; }

    /// <summary>The item's title, if it has one.</summary>
    public string? Title { get; init; }

    /// <summary>The item's content as plain text (the connector converts HTML, Markdown, rich text).</summary>
    public required string Text { get; init; }

    /// <summary>
    /// The MemorySync <c>source</c> label, e.g. <c>confluence</c> (at most 64 characters). Defaults to the plugin id
    /// in lower case.
    /// </summary>
    public string? Source { get; init; }

    /// <summary>The MemorySync <c>event_type</c> label, e.g. <c>confluence_page</c>; optional.</summary>
    public string? EventType { get; init; }

    /// <summary>Where a person can open the item, if it has an address.</summary>
    public Uri? Url { get; init; }

    /// <summary>When the item was last modified at the source, if known.</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Tags for MemorySync (lower-cased and de-duplicated by the service).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// Further metadata for MemorySync. Values may be <see langword="null"/>, strings, booleans, numbers,
    /// <see cref="DateTimeOffset"/>, sequences of strings, or nested dictionaries of the same; keys are snake_case by
    /// convention.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Metadata { get; init; } = EmptyMetadata;

    /// <summary>
    /// A cheap change detector the host remembers with the delivered version and offers back through
    /// <see cref="IKnownItems"/> (e.g. file size and modification time), so the next run can skip reading unchanged
    /// items. Optional.
    /// </summary>
    public string? Fingerprint { get; init; }

    private static readonly IReadOnlyDictionary<string, object?> EmptyMetadata =
        new Dictionary<string, object?>(StringComparer.Ordinal);
}
