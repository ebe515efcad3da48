using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHost.Abstractions;

namespace ConnectorHost.TestPlugins.ScriptedSource;

/// <summary>The script file: what a run yields, in the order items, skips, deletes.</summary>
internal sealed class Script
{
    private static readonly JsonSerializerOptions s_jsonOptions = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public List<ScriptItem> Items { get; init; } = [];

    public List<string> Deletes { get; init; } = [];

    public List<ScriptSkip> Skips { get; init; } = [];

    /// <summary>Checkpoint after every this many changes (counted from the start of the script); 0 for only at the end.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Throw after this run has yielded this many changes; null never.</summary>
    public int? FailAfter { get; init; }

    /// <summary>When set, the failure is a <see cref="ConnectorException"/> of this kind instead of InvalidOperationException.</summary>
    public ConnectorErrorKind? FailKind { get; init; }

    /// <summary>What the full listing returns; null for the ids of <see cref="Items"/>.</summary>
    public List<string>? Listing { get; init; }

    /// <summary>Awaited (with the run's token, on the host's clock) before each change.</summary>
    public int DelayMs { get; init; }

    /// <summary>When set, the run asks the host to prune with this reason.</summary>
    public string? RequestPruning { get; init; }

    /// <summary>When set, the connection check fails with this message.</summary>
    public string? ConnectionError { get; init; }

    public static async Task<Script> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, useAsync: true);
        return await JsonSerializer.DeserializeAsync<Script>(stream, s_jsonOptions, cancellationToken)
            ?? throw new InvalidDataException($"The script {path} is empty (null).");
    }

    /// <summary>Every change the script describes, in the order they are yielded, without checkpoints.</summary>
    public IReadOnlyList<SourceChange> Changes()
    {
        var changes = new List<SourceChange>(Items.Count + Skips.Count + Deletes.Count);
        changes.AddRange(Items.Select(item => new Upsert(item.ToSourceItem())));
        changes.AddRange(Skips.Select(skip => new Skip(skip.Id, skip.Reason, skip.Fingerprint)));
        changes.AddRange(Deletes.Select(id => new Delete(id)));
        return changes;
    }
}

internal sealed class ScriptItem
{
    public required string Id { get; init; }

    public required string Version { get; init; }

    public string? Title { get; init; }

    public required string Text { get; init; }

    public List<string> Tags { get; init; } = [];

    public Dictionary<string, JsonElement> Metadata { get; init; } = [];

    public string? Fingerprint { get; init; }

    public string? Source { get; init; }

    public string? EventType { get; init; }

    public Uri? Url { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public SourceItem ToSourceItem() => new()
    {
        NativeId = Id,
        Version = Version,
        Title = Title,
        Text = Text,
        Tags = Tags,
        Metadata = Metadata.ToDictionary(
            pair => pair.Key, pair => JsonValues.ToClr(pair.Value), StringComparer.Ordinal),
        Fingerprint = Fingerprint,
        Source = Source,
        EventType = EventType,
        Url = Url,
        LastModified = LastModified,
    };
}

internal sealed class ScriptSkip
{
    public required string Id { get; init; }

    public required string Reason { get; init; }

    public string? Fingerprint { get; init; }
}
