namespace ConnectorHost.Plugins.Asana.Api;

// The records read from Asana (snake_case JSON). Only the fields the connector asks for with opt_fields.

internal sealed record AsanaData<T>(T Data);

internal sealed record AsanaPage<T>(IReadOnlyList<T> Data, AsanaNextPage? NextPage);

internal sealed record AsanaNextPage(string Offset);

/// <summary>A compact reference to a user, project, section or tag.</summary>
internal sealed record AsanaRef(string Gid, string? Name);

internal sealed record AsanaMembership(AsanaRef? Project, AsanaRef? Section);

internal sealed record AsanaCustomField(string Gid, string? Name, string? DisplayValue);

internal sealed record AsanaTask
{
    public required string Gid { get; init; }

    public string? Name { get; init; }

    public string? ResourceSubtype { get; init; }

    public string? Notes { get; init; }

    public string? HtmlNotes { get; init; }

    public bool Completed { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public DateTimeOffset ModifiedAt { get; init; }

    public string? DueOn { get; init; }

    public DateTimeOffset? DueAt { get; init; }

    public AsanaRef? Assignee { get; init; }

    public IReadOnlyList<AsanaMembership> Memberships { get; init; } = [];

    public IReadOnlyList<AsanaRef> Tags { get; init; } = [];

    public IReadOnlyList<AsanaCustomField> CustomFields { get; init; } = [];

    public Uri? PermalinkUrl { get; init; }
}

internal sealed record AsanaStory(
    string Gid, string? ResourceSubtype, string? Text, DateTimeOffset CreatedAt, AsanaRef? CreatedBy);

internal sealed record AsanaProject(string Gid, string? Name, bool Archived);

internal sealed record AsanaUser(string Gid, string? Name);

internal sealed record AsanaResource(string Gid, string? ResourceType);

internal sealed record AsanaEvent(string? Action, AsanaResource? Resource, AsanaResource? Parent);

internal sealed record AsanaEvents(IReadOnlyList<AsanaEvent> Data, string Sync, bool HasMore);

internal sealed record AsanaErrorBody(IReadOnlyList<AsanaErrorEntry>? Errors, string? Sync);

internal sealed record AsanaErrorEntry(string? Message, string? Phrase);

/// <summary>A response body with the server's <c>Date</c>, the clock <c>modified_at</c> is stamped with.</summary>
internal sealed record AsanaResponse<T>(T Body, DateTimeOffset? ServerDate);
