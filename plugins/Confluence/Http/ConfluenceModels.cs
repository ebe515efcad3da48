using System.Text.Json.Serialization;

namespace ConnectorHost.Plugins.Confluence.Http;

// The subset of the REST v1 and v2 shapes the connector reads; everything else in the answers is ignored.

/// <summary>v1 <c>ContentArray</c>: a page of <c>/rest/api/content/search</c>.</summary>
internal sealed class ContentArray
{
    public List<Content> Results { get; set; } = [];

    [JsonPropertyName("_links")]
    public Links? Links { get; set; }
}

/// <summary>v1 <c>GenericLinks</c> and v2 <c>MultiEntityLinks</c>: the fields the connector follows.</summary>
internal sealed class Links
{
    public string? Base { get; set; }

    public string? Next { get; set; }

    public string? Webui { get; set; }
}

/// <summary>v1 <c>Content</c>: a page, blog post or comment.</summary>
internal sealed class Content
{
    public string Id { get; set; } = "";

    public string Type { get; set; } = "";

    public string? Status { get; set; }

    public string? Title { get; set; }

    public ContentSpace? Space { get; set; }

    public ContentVersion? Version { get; set; }

    public ContentHistory? History { get; set; }

    public List<Content>? Ancestors { get; set; }

    public ContentBodies? Body { get; set; }

    public ContentMetadata? Metadata { get; set; }

    /// <summary>
    /// The container (<c>expand=container</c>): for a comment the page or blog post it belongs to; for a page its
    /// space, whose <c>id</c> is a number, hence read loosely.
    /// </summary>
    public System.Text.Json.JsonElement? Container { get; set; }

    /// <summary>The id of the page or blog post a comment belongs to.</summary>
    public string? ContainerContentId =>
        Container is { ValueKind: System.Text.Json.JsonValueKind.Object } container
        && container.TryGetProperty("id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String
        && container.TryGetProperty("type", out var type) && type.GetString() is "page" or "blogpost"
            ? id.GetString()
            : null;

    [JsonPropertyName("_links")]
    public Links? Links { get; set; }
}

internal sealed class ContentSpace
{
    public string? Key { get; set; }

    public string? Name { get; set; }
}

internal sealed class ContentVersion
{
    public int Number { get; set; }

    public DateTimeOffset? When { get; set; }

    public User? By { get; set; }
}

internal sealed class ContentHistory
{
    public User? CreatedBy { get; set; }

    public DateTimeOffset? CreatedDate { get; set; }
}

internal sealed class User
{
    /// <summary><c>known</c>, <c>unknown</c>, <c>anonymous</c> or <c>user</c>.</summary>
    public string? Type { get; set; }

    public string? AccountId { get; set; }

    public string? UserKey { get; set; }

    public string? Username { get; set; }

    public string? DisplayName { get; set; }

    public string? PublicName { get; set; }
}

internal sealed class ContentBodies
{
    public BodyValue? Storage { get; set; }
}

internal sealed class BodyValue
{
    public string? Value { get; set; }
}

internal sealed class ContentMetadata
{
    public LabelArray? Labels { get; set; }
}

internal sealed class LabelArray
{
    public List<Label> Results { get; set; } = [];
}

internal sealed class Label
{
    public string Name { get; set; } = "";
}

/// <summary>v1 <c>BulkUserLookupArray</c>.</summary>
internal sealed class UserArray
{
    public List<User> Results { get; set; } = [];
}

/// <summary>v1 <c>SystemInfoEntity</c>.</summary>
internal sealed class SystemInfo
{
    public string? DefaultTimeZone { get; set; }
}

/// <summary>v2 <c>MultiEntityResult</c>.</summary>
internal sealed class V2Result<T>
{
    public List<T> Results { get; set; } = [];

    [JsonPropertyName("_links")]
    public Links? Links { get; set; }
}

/// <summary>v2 <c>SpaceBulk</c>.</summary>
internal sealed class V2Space
{
    public string Id { get; set; } = "";

    public string Key { get; set; } = "";
}

/// <summary>v2 <c>PageBulk</c>, <c>BlogPostBulk</c> and the comment models: the fields a listing needs.</summary>
internal sealed class V2Content
{
    public string Id { get; set; } = "";

    public string? Status { get; set; }

    public V2Version? Version { get; set; }

    public V2Body? Body { get; set; }
}

internal sealed class V2Version
{
    public int Number { get; set; }

    public DateTimeOffset? CreatedAt { get; set; }

    public string? AuthorId { get; set; }
}

internal sealed class V2Body
{
    public BodyValue? Storage { get; set; }
}
