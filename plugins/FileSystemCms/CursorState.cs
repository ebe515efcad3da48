using System.Text.Json.Serialization;

namespace ConnectorHost.Plugins.FileSystemCms;

/// <summary>
/// The cursor of a run: when its walk started and how many files it had visited. It only reports progress; every run
/// walks the whole tree, and the fingerprints the host keeps are what spares re-reading unchanged files.
/// </summary>
/// <param name="WalkStartedAt">When the walk started.</param>
/// <param name="Files">How many matching files the walk had visited at the checkpoint.</param>
internal sealed record CursorState(DateTimeOffset WalkStartedAt, long Files);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CursorState))]
internal sealed partial class CursorJson : JsonSerializerContext;
