using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Fakes.Asana;

/// <summary>
/// A fake Asana REST API (<c>/api/1.0</c>) on 127.0.0.1 and a random port, serving a <see cref="FakeAsanaWorkspace"/>
/// the way the published API does: Bearer tokens, <c>{"data":…}</c> envelopes, compact records unless
/// <c>opt_fields</c>, <c>limit</c>/<c>offset</c> pagination, the <c>/tasks</c> filter rules, the Events API with sync
/// tokens, per-token rate limits and the concurrent-request cap, and Asana's error bodies.
/// </summary>
/// <remarks>
/// Served: <c>GET /users/{gid|me}</c>, <c>/workspaces</c>, <c>/workspaces/{gid}</c>, <c>/projects</c>,
/// <c>/projects/{gid}</c>, <c>/workspaces/{gid}/projects</c>, <c>/teams/{gid}/projects</c>, <c>/tasks</c>,
/// <c>/projects/{gid}/tasks</c>, <c>/tasks/{gid}</c>, <c>/tasks/{gid}/stories</c>, <c>/events</c> and (premium only)
/// <c>/workspaces/{gid}/tasks/search</c>. Everything else answers 404. Thread-safe; dispose to stop.
/// </remarks>
public sealed class FakeAsanaServer : IAsyncDisposable
{
    private const string ApiRoot = "/api/1.0";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    private static readonly string[] s_compactTask = ["gid", "resource_type", "name", "resource_subtype", "created_by"];
    private static readonly string[] s_compactProject = ["gid", "resource_type", "name"];
    private static readonly string[] s_compactStory =
        ["gid", "resource_type", "created_at", "created_by", "resource_subtype", "text"];

    private static readonly string[] s_compactWorkspace = ["gid", "resource_type", "name"];

    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<FakeAsanaRequest> _requests = [];
    private readonly Dictionary<string, int> _inFlightByToken = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Token, long Window), int> _quota = [];
    private readonly List<FakeAsanaHold> _holds = [];
    private int _inFlight;
    private int _maxInFlight;
    private int _rateLimited;

    private FakeAsanaServer(WebApplication app, FakeAsanaWorkspace workspace)
    {
        _app = app;
        Workspace = workspace;
    }

    /// <summary>The workspace the server serves.</summary>
    public FakeAsanaWorkspace Workspace { get; }

    /// <summary>The API root, e.g. <c>http://127.0.0.1:41234/api/1.0</c> (no trailing slash, like Asana's).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Scripted failures.</summary>
    public FakeAsanaFaults Faults { get; } = new();

    /// <summary>The per-token quota per minute of the workspace clock (Asana: 150 free, 1,500 paid); none when null.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>How many requests one token may have in flight before the next answers 429 (Asana: 50 GETs).</summary>
    public int ConcurrentRequestLimit { get; set; } = 50;

    /// <summary>A delay added to every request before it is answered.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Requests being served now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most requests that were ever in flight at once (since <see cref="ResetCounters"/>).</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>How many requests were answered 429 by a rate limit (not by a scripted fault).</summary>
    public int RateLimited => Volatile.Read(ref _rateLimited);

    /// <summary>Every request answered so far, in order of completion.</summary>
    public IReadOnlyList<FakeAsanaRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts a server on 127.0.0.1 and a free port.</summary>
    /// <param name="workspace">The workspace to serve; a new one on the system clock when not given.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<FakeAsanaServer> StartAsync(
        FakeAsanaWorkspace? workspace = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.AddServerHeader = false;
        });
        var app = builder.Build();
        var server = new FakeAsanaServer(app, workspace ?? new FakeAsanaWorkspace());
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + ApiRoot);
        return server;
    }

    /// <summary>Holds every request matching <paramref name="match"/> (path and query) until the hold is released.</summary>
    /// <param name="match">Which requests.</param>
    /// <returns>The hold.</returns>
    public FakeAsanaHold Hold(Func<string, bool> match)
    {
        var hold = new FakeAsanaHold(match);
        lock (_lock)
        {
            _holds.Add(hold);
        }

        return hold;
    }

    /// <summary>Resets <see cref="MaxInFlight"/>, <see cref="RateLimited"/> and the request log.</summary>
    public void ResetCounters()
    {
        lock (_lock)
        {
            _requests.Clear();
            Volatile.Write(ref _maxInFlight, Volatile.Read(ref _inFlight));
            Volatile.Write(ref _rateLimited, 0);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var hold in _holds)
            {
                hold.Release();
            }
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        UpdateMax(inFlight);
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        path = path.StartsWith(ApiRoot, StringComparison.Ordinal) ? path[ApiRoot.Length..] : path;
        var pathAndQuery = path + request.QueryString.Value;
        var at = Workspace.Clock.GetUtcNow();
        string? token = null;
        string? userGid = null;
        var status = 500;
        try
        {
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency, context.RequestAborted);
            }

            context.Response.Headers.Date = at.ToString("R", CultureInfo.InvariantCulture);
            var authorization = request.Headers.Authorization.ToString();
            if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                token = authorization["Bearer ".Length..].Trim();
                userGid = Workspace.UserOfToken(token);
            }

            if (userGid is null)
            {
                token = null;
                throw FakeAsanaError.Unauthorized();
            }

            EnterToken(token!);
            try
            {
                CheckRateLimits(token!, at);
                if (Faults.Take(pathAndQuery) is { } fault)
                {
                    if (fault.Disconnect)
                    {
                        status = 0;
                        context.Abort();
                        return;
                    }

                    throw new FakeAsanaError(
                        (HttpStatusCode)fault.StatusCode,
                        fault.Message ?? DefaultMessage(fault.StatusCode))
                    {
                        RetryAfterSeconds = fault.RetryAfterSeconds,
                    };
                }

                foreach (var hold in HoldsFor(pathAndQuery))
                {
                    await hold.WaitAsync(context.RequestAborted);
                }

                var body = Route(request, path, userGid);
                status = 200;
                await WriteAsync(context, 200, body);
            }
            finally
            {
                LeaveToken(token!);
            }
        }
        catch (FakeAsanaError error)
        {
            status = (int)error.Status;
            await WriteErrorAsync(context, error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 0;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            lock (_lock)
            {
                _requests.Add(new FakeAsanaRequest(request.Method, path, request.QueryString.Value ?? string.Empty, status, userGid, at));
            }
        }
    }

    private void UpdateMax(int inFlight)
    {
        int max;
        while (inFlight > (max = Volatile.Read(ref _maxInFlight)))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max)
            {
                break;
            }
        }
    }

    private void EnterToken(string token)
    {
        lock (_lock)
        {
            _inFlightByToken[token] = _inFlightByToken.GetValueOrDefault(token) + 1;
        }
    }

    private void LeaveToken(string token)
    {
        lock (_lock)
        {
            _inFlightByToken[token]--;
        }
    }

    private void CheckRateLimits(string token, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_inFlightByToken[token] > ConcurrentRequestLimit)
            {
                _rateLimited++;
                throw FakeAsanaError.TooManyRequests(1);
            }

            if (RequestsPerMinute is not { } limit)
            {
                return;
            }

            // Rejected requests count too, as Asana documents.
            var window = now.ToUnixTimeSeconds() / 60;
            var count = _quota[(token, window)] = _quota.GetValueOrDefault((token, window)) + 1;
            if (count > limit)
            {
                _rateLimited++;
                var retryAfter = (int)Math.Max(1, ((window + 1) * 60) - now.ToUnixTimeSeconds());
                throw FakeAsanaError.TooManyRequests(retryAfter);
            }
        }
    }

    private List<FakeAsanaHold> HoldsFor(string pathAndQuery)
    {
        lock (_lock)
        {
            return [.. _holds.Where(h => h.Match(pathAndQuery))];
        }
    }

    private static string DefaultMessage(int statusCode) => statusCode switch
    {
        401 => "Not Authorized",
        402 => "This feature is only available to premium users.",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "You've made too many requests and hit a rate limit. Please retry after the given amount of time.",
        _ => "Server Error",
    };

    // ---------------------------------------------------------------------------------------------------------------
    // Routing

    private JsonObject Route(HttpRequest request, string path, string userGid)
    {
        if (!HttpMethods.IsGet(request.Method))
        {
            throw new FakeAsanaError(HttpStatusCode.NotFound, "No matching route for request");
        }

        var q = new Query(request.Query);
        string[] segments = path.Trim('/').Split('/');
        return segments switch
        {
            ["users", var user] => Single(Workspace.GetUser(user, userGid), q, null),
            ["workspaces"] => Page(request, path, q, [Workspace.WorkspaceJson()], s_compactWorkspace),
            ["workspaces", var ws] => Single(WorkspaceOf(ws), q, null),
            ["projects"] => ListProjects(request, path, q),
            ["projects", var project] => Single(Workspace.GetProject(project), q, null),
            ["workspaces", var ws, "projects"] =>
                Page(request, path, q, Workspace.ListProjects(ws, null, q.Bool("archived")), s_compactProject),
            ["teams", var team, "projects"] =>
                Page(request, path, q, Workspace.ListProjects(null, team, q.Bool("archived")), s_compactProject),
            ["tasks"] => ListTasks(request, path, q, userGid),
            ["projects", var project, "tasks"] => Page(
                request, path, q,
                Workspace.ListTasks(new TaskFilter(
                    project, null, null, null, null, q.Date("modified_since"), q.CompletedSince(Workspace.Clock))),
                s_compactTask),
            ["tasks", var task] => Single(Workspace.GetTaskJson(task), q, "html_notes"),
            ["tasks", var task, "stories"] => Page(request, path, q, Workspace.ListStories(task), s_compactStory),
            ["events"] => Events(q),
            ["workspaces", var ws, "tasks", "search"] => Search(q, ws),
            _ => throw new FakeAsanaError(HttpStatusCode.NotFound, "No matching route for request"),
        };
    }

    private JsonObject WorkspaceOf(string workspaceGid)
    {
        Workspace.RequireWorkspace(workspaceGid);
        return Workspace.WorkspaceJson();
    }

    private JsonObject ListProjects(HttpRequest request, string path, Query q)
    {
        var workspace = q.String("workspace");
        var team = q.String("team");
        if (workspace is null && team is null)
        {
            throw FakeAsanaError.MissingInput("workspace");
        }

        return Page(request, path, q, Workspace.ListProjects(workspace, team, q.Bool("archived")), s_compactProject);
    }

    private JsonObject ListTasks(HttpRequest request, string path, Query q, string userGid)
    {
        var project = q.String("project");
        var section = q.String("section");
        var tag = q.String("tag");
        var assignee = q.String("assignee");
        var workspace = q.String("workspace");
        if (project is null && section is null && tag is null)
        {
            if (assignee is null)
            {
                throw FakeAsanaError.MissingInput(workspace is null ? "project" : "assignee");
            }

            if (workspace is null)
            {
                throw FakeAsanaError.MissingInput("workspace");
            }
        }

        var filter = new TaskFilter(
            project, section, tag, assignee == "me" ? userGid : assignee, workspace,
            q.Date("modified_since"), q.CompletedSince(Workspace.Clock));
        return Page(request, path, q, Workspace.ListTasks(filter), s_compactTask);
    }

    private JsonObject Events(Query q)
    {
        var resource = q.String("resource") ?? throw FakeAsanaError.MissingInput("resource");
        var (events, sync, hasMore) = Workspace.ReadEvents(resource, q.String("sync"));
        return new JsonObject
        {
            ["data"] = new JsonArray([.. events.Select(e => (JsonNode)e)]),
            ["sync"] = sync,
            ["has_more"] = hasMore,
        };
    }

    private JsonObject Search(Query q, string workspaceGid)
    {
        var tasks = Workspace.SearchTasks(workspaceGid, q.String("projects.any"), q.Date("modified_at.after"));
        var limit = q.Limit() ?? 20;
        return Envelope(new JsonArray([.. tasks.Take(limit).Select(t => (JsonNode)Shape(t, q, s_compactTask))]));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Envelopes, pagination and opt_fields

    private static JsonObject Single(JsonObject record, Query q, string? optIn)
    {
        var fields = q.OptFields();
        if (fields is null && optIn is not null)
        {
            record.Remove(optIn);
        }

        return Envelope(fields is null ? record : OptFields.Project(record, fields));
    }

    private JsonObject Page(HttpRequest request, string path, Query q, List<JsonObject> items, string[] compact)
    {
        var limit = q.Limit();
        if (limit is null)
        {
            // Asana omits next_page entirely when no limit was sent.
            return Envelope(new JsonArray([.. items.Select(i => (JsonNode)Shape(i, q, compact))]));
        }

        var signature = path + "?" + string.Join('&', request.Query
            .Where(p => p.Key != "offset")
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
        var offset = q.String("offset");
        var position = offset is null ? 0 : Workspace.ResolveOffset(offset, signature);
        var page = items.Skip(position).Take(limit.Value).ToList();
        var next = position + page.Count;
        JsonNode? nextPage = null;
        if (next < items.Count)
        {
            var newOffset = Workspace.IssueOffset(signature, next);
            var query = string.Join('&', request.Query
                .Where(p => p.Key != "offset")
                .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value.ToString())));
            var nextPath = $"{path}?{query}&offset={newOffset}";
            nextPage = new JsonObject
            {
                ["offset"] = newOffset,
                ["path"] = nextPath,
                ["uri"] = BaseUrl + nextPath,
            };
        }

        var envelope = Envelope(new JsonArray([.. page.Select(i => (JsonNode)Shape(i, q, compact))]));
        envelope["next_page"] = nextPage;
        return envelope;
    }

    private static JsonObject Shape(JsonObject record, Query q, string[] compact)
    {
        var fields = q.OptFields();
        if (fields is not null)
        {
            return OptFields.Project(record, fields);
        }

        var result = new JsonObject();
        foreach (var key in compact)
        {
            if (record.TryGetPropertyValue(key, out var value))
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }

    private static JsonObject Envelope(JsonNode data) => new() { ["data"] = data };

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(s_json), context.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpContext context, FakeAsanaError error)
    {
        var entry = new JsonObject { ["message"] = error.Message, ["help"] = FakeAsanaError.Help };
        if (error.Status == HttpStatusCode.InternalServerError)
        {
            entry["phrase"] = FakeAsanaError.NewPhrase();
        }

        var body = new JsonObject { ["errors"] = new JsonArray(entry) };
        if (error.Sync is not null)
        {
            body["sync"] = error.Sync;
        }

        if (error.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return WriteAsync(context, (int)error.Status, body);
    }
}
