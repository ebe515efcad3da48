using System.Globalization;

namespace ConnectorHost.Fakes.Confluence;

/// <summary>The status of a piece of content, as Confluence names it.</summary>
public enum FakeContentStatus
{
    /// <summary><c>current</c>: live.</summary>
    Current = 0,

    /// <summary><c>archived</c>: still in the space, out of search and of <c>status=current</c> listings.</summary>
    Archived,

    /// <summary><c>trashed</c>: in the space's trash.</summary>
    Trashed,
}

/// <summary>A space of the fake site.</summary>
/// <param name="Id">The numeric id (v2 <c>id</c>, as a string in JSON).</param>
/// <param name="Key">The key (<c>ENG</c>).</param>
/// <param name="Name">The name.</param>
public sealed record FakeSpace(long Id, string Key, string Name);

/// <summary>A user of the fake site.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="DisplayName">The display name.</param>
public sealed record FakeUser(string AccountId, string DisplayName);

/// <summary>A snapshot of a page, blog post or comment of the fake site.</summary>
public sealed record FakeContent
{
    /// <summary>The content id (numeric, unique across types).</summary>
    public required string Id { get; init; }

    /// <summary><c>page</c>, <c>blogpost</c> or <c>comment</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The title (comments: "Re: " and the page title).</summary>
    public required string Title { get; init; }

    /// <summary>The body in storage format.</summary>
    public required string Body { get; init; }

    /// <summary>The version number, 1 when created.</summary>
    public required int Version { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>When its current version was made (CQL <c>lastmodified</c>, <c>version.when</c>).</summary>
    public required DateTimeOffset LastModified { get; init; }

    /// <summary>Who created it.</summary>
    public required string CreatorId { get; init; }

    /// <summary>Who made the current version.</summary>
    public required string EditorId { get; init; }

    /// <summary>The status.</summary>
    public FakeContentStatus Status { get; init; }

    /// <summary>The key of its space (comments: the space of their page).</summary>
    public required string SpaceKey { get; init; }

    /// <summary>Pages: the parent page; comments: the comment replied to.</summary>
    public string? ParentId { get; init; }

    /// <summary>Comments: the page or blog post they belong to.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The labels.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];
}

/// <summary>
/// The content of the fake Confluence, scriptable by tests: spaces, users, pages and blog posts created, edited,
/// commented, labelled, moved, archived and trashed. Times come from the server's clock. Thread-safe.
/// </summary>
public sealed class FakeConfluenceSite
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, FakeSpace> _spaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeUser> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeContent> _contents = new(StringComparer.Ordinal);
    private long _nextContentId = 100_001;
    private long _nextSpaceId = 98_001;

    internal FakeConfluenceSite(TimeProvider clock)
    {
        _clock = clock;
        AddUser(DefaultUserId, "Sync Bot");
    }

    /// <summary>The account the fake's credentials belong to, and the default author.</summary>
    public const string DefaultUserId = "557058:bot";

    /// <summary>Every space.</summary>
    public IReadOnlyList<FakeSpace> Spaces
    {
        get
        {
            lock (_gate)
            {
                return [.. _spaces.Values.OrderBy(s => s.Id)];
            }
        }
    }

    /// <summary>Every piece of content, in id order.</summary>
    public IReadOnlyList<FakeContent> Contents
    {
        get
        {
            lock (_gate)
            {
                return [.. _contents.Values.OrderBy(c => long.Parse(c.Id, CultureInfo.InvariantCulture))];
            }
        }
    }

    /// <summary>Adds a space.</summary>
    public FakeSpace AddSpace(string key, string? name = null)
    {
        lock (_gate)
        {
            var space = new FakeSpace(_nextSpaceId++, key, name ?? key + " space");
            _spaces.Add(key, space);
            return space;
        }
    }

    /// <summary>Adds (or renames) a user.</summary>
    public FakeUser AddUser(string accountId, string displayName)
    {
        lock (_gate)
        {
            return _users[accountId] = new FakeUser(accountId, displayName);
        }
    }

    /// <summary>Creates a page; returns its id.</summary>
    public string CreatePage(
        string spaceKey, string title, string body, string? parentId = null, IEnumerable<string>? labels = null, string? authorId = null) =>
        Create("page", spaceKey, title, body, parentId, null, labels, authorId);

    /// <summary>Creates a blog post; returns its id.</summary>
    public string CreateBlogPost(string spaceKey, string title, string body, IEnumerable<string>? labels = null, string? authorId = null) =>
        Create("blogpost", spaceKey, title, body, null, null, labels, authorId);

    /// <summary>Adds a footer comment (or a reply to one) to a page or blog post; returns its id.</summary>
    public string AddComment(string contentId, string body, string? authorId = null, string? replyToCommentId = null)
    {
        var container = Get(contentId);
        return Create("comment", container.SpaceKey, "Re: " + container.Title, body, replyToCommentId, contentId, null, authorId);
    }

    /// <summary>Makes a new version of a page, blog post or comment (new body and/or title) now.</summary>
    public FakeContent Edit(string id, string? body = null, string? title = null, string? editorId = null) =>
        Update(id, c => c with
        {
            Body = body ?? c.Body,
            Title = title ?? c.Title,
            Version = c.Version + 1,
            LastModified = _clock.GetUtcNow(),
            EditorId = editorId ?? c.EditorId,
        });

    /// <summary>Moves a page to the trash (no new version).</summary>
    public FakeContent Trash(string id) => Update(id, c => c with { Status = FakeContentStatus.Trashed });

    /// <summary>Archives a page (no new version).</summary>
    public FakeContent Archive(string id) => Update(id, c => c with { Status = FakeContentStatus.Archived });

    /// <summary>Restores a trashed or archived page (no new version).</summary>
    public FakeContent Restore(string id) => Update(id, c => c with { Status = FakeContentStatus.Current });

    /// <summary>Moves a page to another space and/or parent, as Confluence does: without a new version.</summary>
    public FakeContent Move(string id, string spaceKey, string? parentId = null)
    {
        lock (_gate)
        {
            _ = SpaceLocked(spaceKey);
            var moved = Update(id, c => c with { SpaceKey = spaceKey, ParentId = parentId });
            foreach (var comment in _contents.Values.Where(c => c.ContainerId == id).ToList())
            {
                _contents[comment.Id] = comment with { SpaceKey = spaceKey };
            }

            return moved;
        }
    }

    /// <summary>Adds a label (no new version, as in Confluence).</summary>
    public FakeContent AddLabel(string id, string label) =>
        Update(id, c => c with { Labels = [.. c.Labels.Append(label).Distinct(StringComparer.Ordinal)] });

    /// <summary>Deletes a comment for good.</summary>
    public void DeleteComment(string commentId)
    {
        lock (_gate)
        {
            _contents.Remove(commentId);
        }
    }

    /// <summary>The current state of a piece of content.</summary>
    public FakeContent Get(string id)
    {
        lock (_gate)
        {
            return _contents.TryGetValue(id, out var content) ? content : throw new KeyNotFoundException($"No content {id}.");
        }
    }

    internal FakeContent? Find(string id)
    {
        lock (_gate)
        {
            return _contents.GetValueOrDefault(id);
        }
    }

    internal FakeUser? FindUser(string accountId)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(accountId);
        }
    }

    internal FakeSpace? FindSpace(string key)
    {
        lock (_gate)
        {
            return _spaces.GetValueOrDefault(key);
        }
    }

    internal FakeSpace? FindSpace(long id)
    {
        lock (_gate)
        {
            return _spaces.Values.FirstOrDefault(s => s.Id == id);
        }
    }

    private string Create(
        string type, string spaceKey, string title, string body, string? parentId, string? containerId, IEnumerable<string>? labels, string? authorId)
    {
        lock (_gate)
        {
            _ = SpaceLocked(spaceKey);
            var now = _clock.GetUtcNow();
            var id = (_nextContentId++).ToString(CultureInfo.InvariantCulture);
            _contents.Add(id, new FakeContent
            {
                Id = id,
                Type = type,
                Title = title,
                Body = body,
                Version = 1,
                Created = now,
                LastModified = now,
                CreatorId = authorId ?? DefaultUserId,
                EditorId = authorId ?? DefaultUserId,
                SpaceKey = spaceKey,
                ParentId = parentId,
                ContainerId = containerId,
                Labels = labels?.ToList() ?? [],
            });
            return id;
        }
    }

    private FakeContent Update(string id, Func<FakeContent, FakeContent> change)
    {
        lock (_gate)
        {
            var updated = change(_contents.TryGetValue(id, out var content) ? content : throw new KeyNotFoundException($"No content {id}."));
            _contents[id] = updated;
            return updated;
        }
    }

    private FakeSpace SpaceLocked(string key) =>
        _spaces.TryGetValue(key, out var space) ? space : throw new KeyNotFoundException($"No space {key}.");
}
