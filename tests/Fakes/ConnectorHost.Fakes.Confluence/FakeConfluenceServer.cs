using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Fakes.Confluence;

/// <summary>Which product the fake plays.</summary>
public enum FakeConfluenceFlavour
{
    /// <summary>Cloud: context path <c>/wiki</c>, Basic authentication, REST v1 and v2.</summary>
    Cloud = 0,

    /// <summary>Data Center: context path <c>/confluence</c>, Bearer personal access tokens, REST v1 only.</summary>
    DataCenter,
}

/// <summary>How the fake is set up.</summary>
public sealed class FakeConfluenceOptions
{
    /// <summary>The product played.</summary>
    public FakeConfluenceFlavour Flavour { get; init; } = FakeConfluenceFlavour.Cloud;

    /// <summary>The account email accepted (Cloud).</summary>
    public string Email { get; init; } = "bot@example.com";

    /// <summary>The API token (Cloud) or personal access token (Data Center) accepted.</summary>
    public string ApiToken { get; init; } = "fake-api-token-0123456789";

    /// <summary>The site's time zone: CQL date literals are read in it and systemInfo reports it.</summary>
    public TimeZoneInfo SiteTimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Whether systemInfo tells <c>defaultTimeZone</c>.</summary>
    public bool ReportsTimeZone { get; init; } = true;

    /// <summary>The clock of the site: creation and edit times, the <c>Date</c> header.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The most results a search returns whatever its limit ("fixed system limits").</summary>
    public int MaxSearchLimit { get; init; } = 100;

    /// <summary>
    /// Data Center: a wrong token is answered as the anonymous user instead of 401 (CONFSERVER-98199): current user
    /// <c>anonymous</c>, searches without results.
    /// </summary>
    public bool AnonymousOnBadToken { get; init; }
}

/// <summary>
/// A fake Confluence on 127.0.0.1 and a random port, following the published REST v1 and v2 shapes for what the
/// Confluence connector uses: CQL search with <c>expand</c> and opaque, limit-bound cursors (<c>_links.next</c>
/// without the context path), v2 spaces, space pages and blog posts with <c>status</c> filters, footer comments
/// (<c>_links.next</c> with <c>/wiki</c> and a <c>Link</c> header), users, systemInfo, v1 and v2 error bodies, injectable
/// faults, and a log of every request.
/// </summary>
public sealed class FakeConfluenceServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    private readonly WebApplication _app;
    private readonly FakeConfluenceOptions _options;
    private readonly object _gate = new();
    private readonly List<FakeRequest> _requests = [];
    private readonly List<(Func<FakeRequest, bool> When, Action Then)> _hooks = [];

    private FakeConfluenceServer(WebApplication app, FakeConfluenceOptions options)
    {
        _app = app;
        _options = options;
        Site = new FakeConfluenceSite(options.Clock);
        ContextPath = options.Flavour == FakeConfluenceFlavour.Cloud ? "/wiki" : "/confluence";
    }

    /// <summary>The site's content.</summary>
    public FakeConfluenceSite Site { get; }

    /// <summary>The failures to inject.</summary>
    public FakeConfluenceFaults Faults { get; } = new();

    /// <summary>The options the fake runs with.</summary>
    public FakeConfluenceOptions Options => _options;

    /// <summary><c>/wiki</c> (Cloud) or <c>/confluence</c> (Data Center).</summary>
    public string ContextPath { get; }

    /// <summary>The site root to configure a connector with: <c>http://127.0.0.1:PORT/wiki</c> on Cloud.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts a fake on a random loopback port.</summary>
    public static async Task<FakeConfluenceServer> StartAsync(FakeConfluenceOptions? options = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeConfluenceServer(app, options ?? new FakeConfluenceOptions());
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + server.ContextPath);
        return server;
    }

    /// <summary>
    /// Runs <paramref name="then"/> once, right after the first request matching <paramref name="when"/> is answered
    /// and before its answer is sent, so the client sees the change only in its following requests.
    /// </summary>
    public void OnceAfter(Func<FakeRequest, bool> when, Action then)
    {
        lock (_gate)
        {
            _hooks.Add((when, then));
        }
    }

    /// <summary>Forgets the requests logged so far.</summary>
    public void ClearRequests()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private string Origin => BaseUrl.GetLeftPart(UriPartial.Authority);

    private bool IsCloud => _options.Flavour == FakeConfluenceFlavour.Cloud;

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var relative = path.StartsWith(ContextPath + "/", StringComparison.Ordinal) ? path[ContextPath.Length..] : null;
        var route = RouteOf(relative);
        var (scheme, authorized, anonymous) = Authenticate(request);
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.Select(v => v ?? "").ToArray(), StringComparer.Ordinal);

        Answer answer;
        if (relative is null)
        {
            answer = Answer.V1Error(404, "No such path.");
        }
        else if (!authorized && !anonymous)
        {
            answer = route == FakeRoute.V2 || route == FakeRoute.Comments && IsCloud
                ? Answer.V2Error(401, "UNAUTHORIZED", "Unauthorized")
                : Answer.V1Error(401, "This request is not authorized", authorized: false);
            answer.Headers["WWW-Authenticate"] = IsCloud ? "Basic realm=\"protected\"" : "Bearer";
        }
        else if (Faults.Take(route, route == FakeRoute.Search ? SearchLimit(query) : null) is { } fault)
        {
            answer = route == FakeRoute.V2
                ? Answer.V2Error(fault.Status, fault.Status == 429 ? "TOO_MANY_REQUESTS" : "SERVER_ERROR", ReasonOf(fault.Status))
                : Answer.V1Error(fault.Status, fault.Status == 429 ? "Rate limit exceeded." : ReasonOf(fault.Status));
            if (fault.RetryAfter is { } wait)
            {
                answer.Headers["Retry-After"] = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }
        }
        else
        {
            try
            {
                answer = Route(relative, query, anonymous);
            }
            catch (BadRequestException ex)
            {
                answer = ex.Answer;
            }
        }

        var logged = new FakeRequest(request.Method, path, query, scheme, authorized, route, answer.Status);
        List<Action> due;
        lock (_gate)
        {
            _requests.Add(logged);
            due = [.. _hooks.Where(h => h.When(logged)).Select(h => h.Then)];
            _hooks.RemoveAll(h => due.Contains(h.Then));
        }

        foreach (var action in due)
        {
            action();
        }

        context.Response.StatusCode = answer.Status;
        context.Response.Headers.Date = _options.Clock.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        foreach (var (name, value) in answer.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (answer.Body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Body.ToJsonString(s_json), Encoding.UTF8);
        }
    }

    private (string? Scheme, bool Authorized, bool Anonymous) Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return (null, false, false);
        }

        var scheme = header[..space];
        var value = header[(space + 1)..].Trim();
        if (IsCloud)
        {
            var expected = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.Email}:{_options.ApiToken}"));
            return (scheme, scheme == "Basic" && value == expected, false);
        }

        var ok = scheme == "Bearer" && value == _options.ApiToken;
        return (scheme, ok, !ok && _options.AnonymousOnBadToken);
    }

    private static FakeRoute RouteOf(string? relative) => relative switch
    {
        null => FakeRoute.Other,
        "/rest/api/content/search" => FakeRoute.Search,
        "/rest/api/settings/systemInfo" => FakeRoute.SystemInfo,
        _ when relative.StartsWith("/rest/api/user", StringComparison.Ordinal) => FakeRoute.Users,
        _ when relative.EndsWith("/footer-comments", StringComparison.Ordinal)
            || relative.EndsWith("/children", StringComparison.Ordinal)
            || relative.EndsWith("/child/comment", StringComparison.Ordinal) => FakeRoute.Comments,
        _ when relative.StartsWith("/api/v2/", StringComparison.Ordinal) => FakeRoute.V2,
        _ => FakeRoute.Other,
    };

    private Answer Route(string relative, Dictionary<string, string[]> query, bool anonymous)
    {
        var parts = relative.Trim('/').Split('/');
        switch (parts)
        {
            case ["rest", "api", "content", "search"]:
                return Search(query, anonymous);
            case ["rest", "api", "settings", "systemInfo"]:
                return SystemInfo();
            case ["rest", "api", "user", "current"]:
                return Answer.Ok(anonymous
                    ? new JsonObject { ["type"] = "anonymous", ["displayName"] = "Anonymous", ["_links"] = new JsonObject() }
                    : UserJson(Site.FindUser(FakeConfluenceSite.DefaultUserId)!));
            case ["rest", "api", "user", "bulk"] when IsCloud:
                return UsersBulk(query);
            case ["rest", "api", "content", var id, "child", "comment"] when !IsCloud:
                return ChildComments(id, query);
            case ["api", "v2", "spaces"] when IsCloud:
                return V2Spaces(query);
            case ["api", "v2", "spaces", var spaceId, "pages" or "blogposts"] when IsCloud:
                return V2SpaceContent(spaceId, parts[4] == "pages" ? "page" : "blogpost", query, relative);
            case ["api", "v2", "pages" or "blogposts", var id, "footer-comments"] when IsCloud:
                return V2FooterComments(id, parts[2] == "pages" ? "page" : "blogpost", query, relative);
            case ["api", "v2", "footer-comments", var id, "children"] when IsCloud:
                return V2CommentChildren(id, query, relative);
            default:
                return relative.StartsWith("/api/v2/", StringComparison.Ordinal)
                    ? Answer.V2Error(404, "NOT_FOUND", "Not Found")
                    : Answer.V1Error(404, "No resource found for " + relative);
        }
    }

    // ---------------------------------------------------------------- v1 search

    private static int SearchLimit(Dictionary<string, string[]> query) =>
        query.TryGetValue("limit", out var l) && int.TryParse(l[0], CultureInfo.InvariantCulture, out var limit) ? limit : 25;

    private Answer Search(Dictionary<string, string[]> query, bool anonymous)
    {
        var cql = First(query, "cql") ?? throw new BadRequestException(Answer.V1Error(400, "The CQL query parameter is required.", valid: false));
        var expand = ExpandOf(query);
        var limit = Math.Clamp(SearchLimit(query), 0, _options.MaxSearchLimit);
        FakeCqlQuery parsed;
        try
        {
            parsed = FakeCql.Parse(cql, _options.SiteTimeZone);
        }
        catch (FakeCqlException ex)
        {
            return Answer.V1Error(400, $"Could not parse cql : {cql} ({ex.Message})", valid: false);
        }

        var queryKey = cql + "|" + string.Join(",", expand.Order(StringComparer.Ordinal));
        SearchCursor? after = null;
        if (First(query, "cursor") is { } cursorText)
        {
            after = SearchCursor.Decode(cursorText);
            if (after is null || after.Query != queryKey || after.Limit != limit)
            {
                return Answer.V1Error(400, "The provided cursor was not valid for this query and limit.", valid: false);
            }
        }

        var all = anonymous ? [] : Site.Contents.Where(c => Visible(c) && parsed.Filter(c)).ToList();
        var ordered = parsed.OrderByLastModified
            ? all.OrderBy(c => c.LastModified).ThenBy(c => long.Parse(c.Id, CultureInfo.InvariantCulture)).ToList()
            : all.OrderBy(c => long.Parse(c.Id, CultureInfo.InvariantCulture)).ToList();
        if (parsed.Descending)
        {
            ordered.Reverse();
        }

        List<FakeContent> page;
        if (after is not null && Faults.TakeEmptyPage())
        {
            page = [];
        }
        else
        {
            // The cursor is keyset-like and live: it remembers the last item's sort key, so an item edited while a
            // client pages moves to the end of an ascending listing instead of shifting the others.
            var remaining = after is null ? ordered : ordered.Where(c => IsAfter(c, after, parsed)).ToList();
            page = [.. remaining.Take(limit)];
        }

        var results = new JsonArray([.. page.Select(c => (JsonNode)ContentJson(c, expand))]);
        var links = new JsonObject
        {
            ["base"] = BaseUrl.AbsoluteUri.TrimEnd('/'),
            ["context"] = ContextPath,
            ["self"] = BaseUrl.AbsoluteUri.TrimEnd('/') + "/rest/api/content/search?cql=" + Uri.EscapeDataString(cql),
        };

        // A full page always offers a next link, even when nothing follows (then the next page is empty and offers
        // one again), and so does an injected empty page: only clients that stop on an empty page terminate.
        if ((page.Count == limit && limit > 0) || (page.Count == 0 && after is not null))
        {
            var last = page.Count > 0 ? page[^1] : null;
            var next = last is null ? after! : new SearchCursor(queryKey, limit, last.LastModified.UtcTicks, long.Parse(last.Id, CultureInfo.InvariantCulture));
            // The cursor is deliberately not the last parameter: clients must follow the link, not split it.
            links["next"] = "/rest/api/content/search?cursor=" + Uri.EscapeDataString(next.Encode())
                + "&next=true&expand=" + Uri.EscapeDataString(string.Join(",", expand))
                + "&limit=" + limit.ToString(CultureInfo.InvariantCulture)
                + "&cql=" + Uri.EscapeDataString(cql);
        }

        if (after is not null)
        {
            links["prev"] = "/rest/api/content/search?cursor=" + Uri.EscapeDataString(after.Encode()) + "&prev=true&limit="
                + limit.ToString(CultureInfo.InvariantCulture) + "&cql=" + Uri.EscapeDataString(cql);
        }

        return Answer.Ok(new JsonObject
        {
            ["results"] = results,
            ["start"] = 0,
            ["limit"] = limit,
            ["size"] = page.Count,
            ["_links"] = links,
        });
    }

    private static bool IsAfter(FakeContent content, SearchCursor cursor, FakeCqlQuery query)
    {
        var id = long.Parse(content.Id, CultureInfo.InvariantCulture);
        var comparison = query.OrderByLastModified
            ? (content.LastModified.UtcTicks, id).CompareTo((cursor.Ticks, cursor.Id))
            : id.CompareTo(cursor.Id);
        return query.Descending ? comparison < 0 : comparison > 0;
    }

    private bool Visible(FakeContent content)
    {
        if (content.Status != FakeContentStatus.Current)
        {
            return false;
        }

        return content.ContainerId is null || Site.Find(content.ContainerId) is { Status: FakeContentStatus.Current };
    }

    private static HashSet<string> ExpandOf(Dictionary<string, string[]> query) =>
        query.TryGetValue("expand", out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal)
            : [];

    private JsonObject ContentJson(FakeContent content, HashSet<string> expand)
    {
        var json = new JsonObject
        {
            ["id"] = content.Id,
            ["type"] = content.Type,
            ["status"] = StatusName(content.Status),
            ["title"] = content.Title,
        };
        var expandable = new JsonObject();
        void Field(string name, bool expanded, Func<JsonNode?> value)
        {
            if (expanded)
            {
                json[name] = value();
            }
            else
            {
                expandable[name] = name == "container" ? "/rest/api/space/" + content.SpaceKey : $"/rest/api/content/{content.Id}/{name}";
            }
        }

        var container = content.ContainerId is null ? null : Site.Find(content.ContainerId);
        Field("container", expand.Contains("container"), () => container is null ? SpaceJson(content.SpaceKey) : ShortContentJson(container));
        Field("metadata", expand.Any(e => e.StartsWith("metadata", StringComparison.Ordinal)), () => new JsonObject
        {
            ["labels"] = new JsonObject
            {
                ["results"] = new JsonArray([.. content.Labels.Select((l, i) => (JsonNode)new JsonObject
                {
                    ["prefix"] = "global",
                    ["name"] = l,
                    ["id"] = (500 + i).ToString(CultureInfo.InvariantCulture),
                    ["label"] = l,
                })]),
                ["start"] = 0,
                ["limit"] = 200,
                ["size"] = content.Labels.Count,
                ["_links"] = new JsonObject { ["self"] = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/rest/api/content/{content.Id}/label" },
            },
            ["_expandable"] = new JsonObject { ["currentuser"] = "", ["comments"] = "", ["simple"] = "", ["properties"] = "", ["frontend"] = "", ["likes"] = "" },
        });
        Field("restrictions", false, () => null);
        Field("history", expand.Any(e => e.StartsWith("history", StringComparison.Ordinal)), () =>
        {
            var history = new JsonObject
            {
                ["latest"] = true,
                ["createdBy"] = UserJson(Site.FindUser(content.CreatorId) ?? new FakeUser(content.CreatorId, content.CreatorId)),
                ["createdDate"] = Iso(content.Created),
                ["_expandable"] = new JsonObject { ["lastUpdated"] = "", ["previousVersion"] = "", ["contributors"] = "", ["nextVersion"] = "" },
                ["_links"] = new JsonObject { ["self"] = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/rest/api/content/{content.Id}/history" },
            };
            if (expand.Contains("history.lastUpdated"))
            {
                history["lastUpdated"] = VersionJson(content);
            }

            return history;
        });
        Field("version", expand.Contains("version"), () => VersionJson(content));
        Field("ancestors", expand.Contains("ancestors"), () => new JsonArray([.. Ancestors(content).Select(a => (JsonNode)ShortContentJson(a))]));
        Field("space", expand.Contains("space"), () => SpaceJson(content.SpaceKey));
        Field("body", expand.Any(e => e.StartsWith("body", StringComparison.Ordinal)), () =>
        {
            var body = new JsonObject();
            if (expand.Contains("body.storage"))
            {
                body["storage"] = new JsonObject
                {
                    ["value"] = content.Body,
                    ["representation"] = "storage",
                    ["embeddedContent"] = new JsonArray(),
                    ["_expandable"] = new JsonObject { ["content"] = $"/rest/api/content/{content.Id}" },
                };
            }

            body["_expandable"] = new JsonObject { ["editor"] = "", ["view"] = "", ["export_view"] = "", ["styled_view"] = "", ["dynamic"] = "", ["atlas_doc_format"] = "" };
            return body;
        });
        Field("children", false, () => null);
        Field("descendants", false, () => null);
        if (content.Type == "comment")
        {
            json["extensions"] = new JsonObject { ["location"] = "footer" };
        }

        json["_expandable"] = expandable;
        json["_links"] = ContentLinks(content);
        return json;
    }

    private JsonObject ShortContentJson(FakeContent content) => new()
    {
        ["id"] = content.Id,
        ["type"] = content.Type,
        ["status"] = StatusName(content.Status),
        ["title"] = content.Title,
        ["_links"] = ContentLinks(content),
        ["_expandable"] = new JsonObject { ["container"] = "", ["version"] = "", ["space"] = "", ["body"] = "" },
    };

    private List<FakeContent> Ancestors(FakeContent content)
    {
        var chain = new List<FakeContent>();
        var parentId = content.Type == "page" ? content.ParentId : null;
        while (parentId is not null && Site.Find(parentId) is { } parent && chain.Count < 50)
        {
            chain.Insert(0, parent);
            parentId = parent.ParentId;
        }

        return chain;
    }

    private JsonObject ContentLinks(FakeContent content)
    {
        var webui = content.Type switch
        {
            "blogpost" => IsCloud
                ? $"/spaces/{content.SpaceKey}/blog/{content.Created:yyyy'/'MM'/'dd}/{content.Id}/{Slug(content.Title)}"
                : $"/pages/viewpage.action?pageId={content.Id}",
            "comment" => $"/spaces/{content.SpaceKey}/pages/{content.ContainerId}?focusedCommentId={content.Id}",
            _ => IsCloud ? $"/spaces/{content.SpaceKey}/pages/{content.Id}/{Slug(content.Title)}" : $"/pages/viewpage.action?pageId={content.Id}",
        };
        return new JsonObject
        {
            ["webui"] = webui,
            ["edit"] = $"/pages/resumedraft.action?draftId={content.Id}",
            ["tinyui"] = "/x/" + content.Id,
            ["self"] = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/rest/api/content/{content.Id}",
        };
    }

    private static string Slug(string title) => Uri.EscapeDataString(title.Replace(' ', '+')).Replace("%2B", "+", StringComparison.Ordinal);

    private JsonObject VersionJson(FakeContent content) => new()
    {
        ["by"] = UserJson(Site.FindUser(content.EditorId) ?? new FakeUser(content.EditorId, content.EditorId)),
        ["when"] = Iso(content.LastModified),
        ["friendlyWhen"] = "a moment ago",
        ["message"] = "",
        ["number"] = content.Version,
        ["minorEdit"] = false,
        ["contentTypeModified"] = false,
        ["_expandable"] = new JsonObject { ["collaborators"] = "", ["content"] = $"/rest/api/content/{content.Id}" },
        ["_links"] = new JsonObject { ["self"] = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/rest/api/content/{content.Id}/version/{content.Version}" },
    };

    private JsonObject SpaceJson(string key)
    {
        var space = Site.FindSpace(key)!;
        return new JsonObject
        {
            ["id"] = space.Id,
            ["key"] = space.Key,
            ["name"] = space.Name,
            ["type"] = "global",
            ["status"] = "current",
            ["_expandable"] = new JsonObject { ["settings"] = "", ["metadata"] = "", ["operations"] = "", ["lookAndFeel"] = "", ["permissions"] = "", ["icon"] = "", ["description"] = "", ["theme"] = "", ["history"] = "", ["homepage"] = "" },
            ["_links"] = new JsonObject { ["webui"] = "/spaces/" + space.Key, ["self"] = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/rest/api/space/{space.Key}" },
        };
    }

    private JsonObject UserJson(FakeUser user) => IsCloud
        ? new JsonObject
        {
            ["type"] = "known",
            ["accountId"] = user.AccountId,
            ["accountType"] = "atlassian",
            ["email"] = "",
            ["publicName"] = user.DisplayName,
            ["displayName"] = user.DisplayName,
            ["isExternalCollaborator"] = false,
            ["_expandable"] = new JsonObject { ["operations"] = "", ["personalSpace"] = "" },
            ["_links"] = new JsonObject { ["self"] = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/rest/api/user?accountId={user.AccountId}" },
        }
        : new JsonObject
        {
            ["type"] = "known",
            ["username"] = user.AccountId,
            ["userKey"] = user.AccountId,
            ["displayName"] = user.DisplayName,
            ["_links"] = new JsonObject { ["self"] = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/rest/api/user?key={user.AccountId}" },
        };

    // ---------------------------------------------------------------- v1 others

    private Answer SystemInfo()
    {
        var info = new JsonObject
        {
            ["cloudId"] = "00000000-0000-4000-8000-000000000000",
            ["commitHash"] = "fake",
            ["baseUrl"] = BaseUrl.AbsoluteUri.TrimEnd('/'),
            ["edition"] = "standard",
            ["siteTitle"] = "Fake Confluence",
            ["defaultLocale"] = "en_US",
        };
        if (_options.ReportsTimeZone)
        {
            info["defaultTimeZone"] = _options.SiteTimeZone.Id;
        }

        return Answer.Ok(info);
    }

    private Answer UsersBulk(Dictionary<string, string[]> query)
    {
        var ids = query.TryGetValue("accountId", out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            : [];
        var users = ids.Select(Site.FindUser).OfType<FakeUser>().Select(u => (JsonNode)UserJson(u)).ToArray();
        return Answer.Ok(new JsonObject
        {
            ["results"] = new JsonArray(users),
            ["start"] = 0,
            ["limit"] = 100,
            ["size"] = users.Length,
            ["_links"] = new JsonObject { ["base"] = BaseUrl.AbsoluteUri.TrimEnd('/'), ["context"] = ContextPath },
        });
    }

    private Answer ChildComments(string id, Dictionary<string, string[]> query)
    {
        if (Site.Find(id) is not { Status: FakeContentStatus.Current } container || container.Type == "comment")
        {
            return Answer.V1Error(404, $"No content found with id: ContentId{{id={id}}}");
        }

        var allDepths = First(query, "depth") == "all";
        var comments = Site.Contents
            .Where(c => c.ContainerId == id && c.Status == FakeContentStatus.Current && (allDepths || c.ParentId is null))
            .ToList();
        var start = int.TryParse(First(query, "start"), CultureInfo.InvariantCulture, out var s) ? s : 0;
        var limit = Math.Clamp(SearchLimit(query), 1, 100);
        var page = comments.Skip(start).Take(limit).ToList();
        var links = new JsonObject { ["base"] = BaseUrl.AbsoluteUri.TrimEnd('/'), ["context"] = ContextPath };
        if (start + page.Count < comments.Count)
        {
            // Data Center pages child collections by start; the connector only ever follows the link.
            links["next"] = $"/rest/api/content/{id}/child/comment?expand={Uri.EscapeDataString(string.Join(",", ExpandOf(query)))}"
                + $"&location=footer&depth={First(query, "depth") ?? ""}&limit={limit}&start={start + page.Count}";
        }

        var expand = ExpandOf(query);
        return Answer.Ok(new JsonObject
        {
            ["results"] = new JsonArray([.. page.Select(c => (JsonNode)ContentJson(c, expand))]),
            ["start"] = start,
            ["limit"] = limit,
            ["size"] = page.Count,
            ["_links"] = links,
        });
    }

    // ---------------------------------------------------------------- v2

    private Answer V2Spaces(Dictionary<string, string[]> query)
    {
        var keys = MultiValue(query, "keys");
        var spaces = Site.Spaces.Where(s => keys.Count == 0 || keys.Contains(s.Key)).ToList();
        return V2Page(spaces, s => s.Id, s => new JsonObject
        {
            ["id"] = s.Id.ToString(CultureInfo.InvariantCulture),
            ["key"] = s.Key,
            ["name"] = s.Name,
            ["type"] = "global",
            ["status"] = "current",
            ["authorId"] = FakeConfluenceSite.DefaultUserId,
            ["createdAt"] = "2020-01-01T00:00:00.000Z",
            ["homepageId"] = null,
            ["description"] = null,
            ["icon"] = null,
            ["_links"] = new JsonObject { ["webui"] = "/spaces/" + s.Key },
        }, query, "/api/v2/spaces");
    }

    private Answer V2SpaceContent(string spaceId, string type, Dictionary<string, string[]> query, string relative)
    {
        if (!long.TryParse(spaceId, CultureInfo.InvariantCulture, out var id) || Site.FindSpace(id) is not { } space)
        {
            return Answer.V2Error(404, "NOT_FOUND", "Not Found");
        }

        var statuses = MultiValue(query, "status");
        if (statuses.Count == 0)
        {
            // The spec's defaults: pages current and archived, blog posts current only.
            statuses = type == "page" ? ["current", "archived"] : ["current"];
        }

        var items = Site.Contents.Where(c => c.Type == type && c.SpaceKey == space.Key && statuses.Contains(StatusName(c.Status))).ToList();
        var withBody = First(query, "body-format") == "storage";
        return V2Page(items, c => long.Parse(c.Id, CultureInfo.InvariantCulture), c => V2ContentJson(c, withBody), query, relative);
    }

    private Answer V2FooterComments(string id, string type, Dictionary<string, string[]> query, string relative)
    {
        if (Site.Find(id) is not { } container || container.Type != type || container.Status == FakeContentStatus.Trashed)
        {
            return Answer.V2Error(404, "NOT_FOUND", "Not Found");
        }

        var comments = Site.Contents.Where(c => c.ContainerId == id && c.ParentId is null && c.Status == FakeContentStatus.Current).ToList();
        var withBody = First(query, "body-format") == "storage";
        return V2Page(comments, c => long.Parse(c.Id, CultureInfo.InvariantCulture), c => V2ContentJson(c, withBody), query, relative);
    }

    private Answer V2CommentChildren(string id, Dictionary<string, string[]> query, string relative)
    {
        if (Site.Find(id) is not { Type: "comment" })
        {
            return Answer.V2Error(404, "NOT_FOUND", "Not Found");
        }

        var replies = Site.Contents.Where(c => c.ParentId == id && c.Type == "comment" && c.Status == FakeContentStatus.Current).ToList();
        var withBody = First(query, "body-format") == "storage";
        return V2Page(replies, c => long.Parse(c.Id, CultureInfo.InvariantCulture), c => V2ContentJson(c, withBody), query, relative);
    }

    private JsonObject V2ContentJson(FakeContent content, bool withBody)
    {
        var json = new JsonObject
        {
            ["id"] = content.Id,
            ["status"] = StatusName(content.Status),
            ["title"] = content.Title,
        };
        if (content.Type == "comment")
        {
            var container = Site.Find(content.ContainerId!)!;
            json[container.Type == "blogpost" ? "blogPostId" : "pageId"] = container.Id;
            if (content.ParentId is not null)
            {
                json["parentCommentId"] = content.ParentId;
            }
        }
        else
        {
            json["spaceId"] = Site.FindSpace(content.SpaceKey)!.Id.ToString(CultureInfo.InvariantCulture);
            json["authorId"] = content.CreatorId;
            json["createdAt"] = Iso(content.Created);
            if (content.Type == "page")
            {
                json["parentId"] = content.ParentId;
                json["parentType"] = content.ParentId is null ? null : "page";
                json["position"] = 0;
                json["ownerId"] = content.CreatorId;
                json["lastOwnerId"] = null;
                json["subtype"] = null;
            }
        }

        json["version"] = new JsonObject
        {
            ["createdAt"] = Iso(content.LastModified),
            ["message"] = "",
            ["number"] = content.Version,
            ["minorEdit"] = false,
            ["authorId"] = content.EditorId,
        };
        json["body"] = withBody
            ? new JsonObject { ["storage"] = new JsonObject { ["representation"] = "storage", ["value"] = content.Body } }
            : new JsonObject();
        var links = ContentLinks(content);
        json["_links"] = new JsonObject { ["webui"] = links["webui"]!.GetValue<string>(), ["tinyui"] = links["tinyui"]!.GetValue<string>() };
        return json;
    }

    private Answer V2Page<T>(List<T> items, Func<T, long> keyOf, Func<T, JsonObject> render, Dictionary<string, string[]> query, string relative)
    {
        var limit = 25;
        if (First(query, "limit") is { } limitText
            && (!int.TryParse(limitText, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 250))
        {
            return Answer.V2Error(400, "INVALID_REQUEST_PARAMETER", "Provided value for 'limit' is not valid. It must be between 1 and 250.");
        }

        var filterKey = string.Join("&", query.Where(q => q.Key is not ("cursor" or "limit")).OrderBy(q => q.Key, StringComparer.Ordinal)
            .Select(q => q.Key + "=" + string.Join(",", q.Value)));
        long after = long.MinValue;
        if (First(query, "cursor") is { } cursorText)
        {
            var cursor = SearchCursor.Decode(cursorText);
            if (cursor is null || cursor.Query != filterKey)
            {
                return Answer.V2Error(
                    400,
                    "INVALID_REQUEST_PARAMETER",
                    "Provided value for 'cursor' is not the correct type. Expected type is ContentCursor",
                    "The provided cursor was not valid");
            }

            after = cursor.Id;
        }

        var ordered = items.OrderBy(keyOf).Where(i => keyOf(i) > after).ToList();
        var page = ordered.Take(limit).ToList();
        var links = new JsonObject { ["base"] = BaseUrl.AbsoluteUri.TrimEnd('/') };
        var answer = Answer.Ok(new JsonObject
        {
            ["results"] = new JsonArray([.. page.Select(i => (JsonNode)render(i))]),
            ["_links"] = links,
        });
        if (ordered.Count > page.Count)
        {
            var cursor = new SearchCursor(filterKey, limit, 0, keyOf(page[^1])).Encode();
            var parameters = query.Where(q => q.Key is not ("cursor" or "limit"))
                .SelectMany(q => q.Value.Select(v => q.Key + "=" + Uri.EscapeDataString(v)));
            var next = ContextPath + relative + "?" + string.Join("&", parameters.Append("limit=" + limit.ToString(CultureInfo.InvariantCulture))
                .Append("cursor=" + Uri.EscapeDataString(cursor)));
            links["next"] = next;
            answer.Headers["Link"] = $"<{next}>; rel=\"next\", <{BaseUrl.AbsoluteUri.TrimEnd('/')}>; rel=\"base\"";
        }

        return answer;
    }

    // ---------------------------------------------------------------- helpers

    private static string? First(Dictionary<string, string[]> query, string name) =>
        query.TryGetValue(name, out var values) && values.Length > 0 ? values[0] : null;

    /// <summary>Array parameters are documented as comma-separated but typed as exploded arrays: accept both.</summary>
    private static HashSet<string> MultiValue(Dictionary<string, string[]> query, string name) =>
        query.TryGetValue(name, out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal)
            : [];

    private static string StatusName(FakeContentStatus status) => status switch
    {
        FakeContentStatus.Archived => "archived",
        FakeContentStatus.Trashed => "trashed",
        _ => "current",
    };

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string ReasonOf(int status) => status switch
    {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        429 => "Too Many Requests",
        _ => "Error",
    };

    private sealed class BadRequestException(Answer answer) : Exception
    {
        public Answer Answer { get; } = answer;
    }

    private sealed record SearchCursor(string Query, int Limit, long Ticks, long Id)
    {
        public string Encode() =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static SearchCursor? Decode(string text)
        {
            try
            {
                var base64 = text.Replace('-', '+').Replace('_', '/');
                base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
                return JsonSerializer.Deserialize<SearchCursor>(Convert.FromBase64String(base64));
            }
            catch (Exception ex) when (ex is FormatException or JsonException)
            {
                return null;
            }
        }
    }

    private sealed class Answer(int status, JsonNode? body)
    {
        public int Status { get; } = status;

        public JsonNode? Body { get; } = body;

        public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

        public static Answer Ok(JsonNode body) => new(200, body);

        /// <summary>The v1 error shape: <c>{"statusCode":404,"data":{...},"message":"..."}</c>.</summary>
        public static Answer V1Error(int status, string message, bool authorized = true, bool valid = true) => new(status, new JsonObject
        {
            ["statusCode"] = status,
            ["data"] = new JsonObject
            {
                ["authorized"] = authorized,
                ["valid"] = valid,
                ["errors"] = new JsonArray(),
                ["successful"] = false,
            },
            ["message"] = message,
            ["reason"] = ReasonOf(status),
        });

        /// <summary>The v2 error shape: <c>{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not Found","detail":null}]}</c>.</summary>
        public static Answer V2Error(int status, string code, string title, string? detail = null) => new(status, new JsonObject
        {
            ["errors"] = new JsonArray(new JsonObject
            {
                ["status"] = status,
                ["code"] = code,
                ["title"] = title,
                ["detail"] = detail,
            }),
        });
    }
}
