namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>What one run did, as the host would report it.</summary>
public sealed class RunReport
{
    /// <summary>Upserts of a new (native id, version): sent to MemorySync.</summary>
    public List<SourceItem> Delivered { get; } = [];

    /// <summary>Upserts of a version already delivered: nothing sent, the fingerprint recorded.</summary>
    public List<SourceItem> Unchanged { get; } = [];

    /// <summary>Skips, with their reasons.</summary>
    public List<Skip> Skipped { get; } = [];

    /// <summary>Native ids the connector reported deleted.</summary>
    public List<string> Deleted { get; } = [];

    /// <summary>Native ids forgotten because the listing no longer had them.</summary>
    public List<string> Pruned { get; } = [];

    /// <summary>The checkpoints, in order.</summary>
    public List<Checkpoint> Checkpoints { get; } = [];

    /// <summary>How many changes other than checkpoints the connector yielded.</summary>
    public int Yielded { get; set; }

    /// <summary>How many native ids the listing returned, or <see langword="null"/> when the run did not prune.</summary>
    public int? Listed { get; set; }

    /// <summary>
    /// Whether the pruning listing was the run's own enumeration (<see cref="ReadRequest.Listing"/>, completed) rather
    /// than a call to <see cref="IFullListing.ListNativeIdsAsync"/>; <see langword="null"/> when the run did not prune.
    /// </summary>
    public bool? ListedDuringTheRun { get; set; }

    /// <summary>The native ids of <see cref="Delivered"/>.</summary>
    public IEnumerable<string> DeliveredIds => Delivered.Select(item => item.NativeId);

    /// <summary>The native ids of <see cref="Skipped"/>.</summary>
    public IEnumerable<string> SkippedIds => Skipped.Select(skip => skip.NativeId);

    /// <summary>Whether the run changed nothing: no delivery, no skip, no delete, no prune.</summary>
    public bool ChangedNothing => Delivered.Count == 0 && Skipped.Count == 0 && Deleted.Count == 0 && Pruned.Count == 0;
}
