namespace ConnectorHost.Fakes.Asana;

/// <summary>What a test can read back about a task of the fake workspace.</summary>
/// <param name="Gid">The task gid.</param>
/// <param name="Name">The task name.</param>
/// <param name="Completed">Whether it is marked complete.</param>
/// <param name="Deleted">Whether it is in the trash.</param>
/// <param name="ModifiedAt">Its <c>modified_at</c>.</param>
/// <param name="PermalinkUrl">Its <c>permalink_url</c>.</param>
/// <param name="ProjectGids">The projects it belongs to, in membership order.</param>
public sealed record FakeTask(
    string Gid,
    string Name,
    bool Completed,
    bool Deleted,
    DateTimeOffset ModifiedAt,
    string PermalinkUrl,
    IReadOnlyList<string> ProjectGids);

/// <summary>Optional properties of a task created with <see cref="FakeAsanaWorkspace.CreateTask"/>.</summary>
public sealed record FakeTaskSpec
{
    /// <summary>Plain-text notes; <c>html_notes</c> is derived from them unless <see cref="HtmlNotes"/> is set.</summary>
    public string? Notes { get; init; }

    /// <summary>Rich-text notes (<c>&lt;body&gt;…&lt;/body&gt;</c>); <c>notes</c> is derived from them.</summary>
    public string? HtmlNotes { get; init; }

    /// <summary>The assignee's user gid.</summary>
    public string? AssigneeGid { get; init; }

    /// <summary>The due date (<c>due_on</c>).</summary>
    public DateOnly? DueOn { get; init; }

    /// <summary>Whether the task starts completed.</summary>
    public bool Completed { get; init; }

    /// <summary>The section of the first project; the project's first section when not set.</summary>
    public string? SectionGid { get; init; }

    /// <summary>Tags to add.</summary>
    public IReadOnlyList<string> TagGids { get; init; } = [];

    /// <summary>Custom field values by custom field gid: strings (text, enum option name) or numbers.</summary>
    public IReadOnlyDictionary<string, object?> CustomFields { get; init; } = new Dictionary<string, object?>();
}

/// <summary>An event the fake recorded (or is about to record), as the Events API reports it.</summary>
/// <param name="Action"><c>changed</c>, <c>added</c>, <c>removed</c>, <c>deleted</c> or <c>undeleted</c>.</param>
/// <param name="ResourceGid">The gid of the resource that triggered the event.</param>
/// <param name="ResourceType"><c>task</c> or <c>story</c>.</param>
/// <param name="ParentGid">For added/removed: the project, section or task it was added to or removed from.</param>
/// <param name="ParentType">The parent's resource type.</param>
/// <param name="Field">For changed: the field that changed.</param>
public sealed record FakeAsanaEvent(
    string Action,
    string ResourceGid,
    string ResourceType,
    string? ParentGid = null,
    string? ParentType = null,
    string? Field = null);

/// <summary>One request the fake served, for assertions. Never holds the access token.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path below the API root, e.g. <c>/tasks</c>.</param>
/// <param name="Query">The query string, e.g. <c>?project=1&amp;limit=100</c>.</param>
/// <param name="StatusCode">The status code answered.</param>
/// <param name="UserGid">The user the token belongs to, or <see langword="null"/> when it was not accepted.</param>
/// <param name="At">When it arrived, on the workspace clock.</param>
public sealed record FakeAsanaRequest(
    string Method, string Path, string Query, int StatusCode, string? UserGid, DateTimeOffset At);
