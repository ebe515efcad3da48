using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Plugins.Asana.Sync;

/// <summary>
/// The connector's resume position, stored by the host as JSON: per project the <c>modified_since</c> high-water
/// mark, the Events API sync token, when it was last listed in full, and the listing pass in progress (so a run
/// resumes at the page after the last checkpoint).
/// </summary>
internal sealed class AsanaCursor
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int Version { get; set; } = CurrentVersion;

    /// <summary>The settings digest the cursor was written under; another one calls for full listings.</summary>
    public string? Settings { get; set; }

    public Dictionary<string, ProjectCursor> Projects { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The oldest high-water mark of the projects that have one: what the host reports the lag from.</summary>
    [JsonIgnore]
    public DateTimeOffset? Position =>
        Projects.Values.Select(p => p.HighWater).Where(h => h is not null).Min();

    public static AsanaCursor Parse(string? cursor)
    {
        if (string.IsNullOrWhiteSpace(cursor))
        {
            return new AsanaCursor();
        }

        AsanaCursor? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<AsanaCursor>(cursor, s_json);
        }
        catch (JsonException e)
        {
            throw Unreadable(e);
        }

        return parsed is { Version: CurrentVersion } ? parsed : throw Unreadable(null);
    }

    public ProjectCursor For(string projectGid)
    {
        if (!Projects.TryGetValue(projectGid, out var project))
        {
            Projects[projectGid] = project = new ProjectCursor();
        }

        return project;
    }

    public Checkpoint ToCheckpoint() => new(JsonSerializer.Serialize(this, s_json), Position);

    private static ConnectorException Unreadable(Exception? cause) => new(
        ConnectorErrorKind.InvalidData,
        "The Asana cursor is not one this connector version can read. Reset it (connector-host cursor reset <name>) " +
        "to list every project again; nothing already delivered is sent twice.",
        cause);
}

internal sealed class ProjectCursor
{
    /// <summary>Asana's clock at the start of the last complete listing: the next one asks for changes since then.</summary>
    public DateTimeOffset? HighWater { get; set; }

    /// <summary>The Events API sync token of the project.</summary>
    public string? Sync { get; set; }

    /// <summary>When the project was last listed in full (local clock).</summary>
    public DateTimeOffset? LastFullListing { get; set; }

    /// <summary>The listing in progress, if a run stopped in the middle of one.</summary>
    public ListingPass? Pass { get; set; }
}

/// <summary>One listing of a project's tasks, page by page.</summary>
internal sealed class ListingPass
{
    /// <summary>A full listing (no <c>modified_since</c>).</summary>
    public bool Full { get; set; }

    /// <summary>The <c>modified_since</c> of an incremental listing.</summary>
    public DateTimeOffset? Since { get; set; }

    /// <summary>Asana's clock when the first page was answered: the high-water mark once the pass completes.</summary>
    public DateTimeOffset? Start { get; set; }

    /// <summary>The offset of the next page; null before the first page.</summary>
    public string? Offset { get; set; }
}
