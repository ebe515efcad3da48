using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Asana.Api;
using ConnectorHost.Plugins.Asana.Content;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.Asana.Sync;

/// <summary>
/// Syncs the tasks of the configured Asana projects.
/// </summary>
/// <remarks>
/// <para>
/// Per project and run: (1) a project never read before first takes an Events API sync token, so that nothing that
/// happens during its first listing is missed; (2) its tasks are listed page by page with
/// <c>modified_since</c> = high-water mark minus <see cref="AsanaOptions.ModifiedSinceOverlap"/>, or in full every
/// <see cref="AsanaOptions.FullListingInterval"/>, with a checkpoint after every page; (3) its events since the token
/// are read: <c>deleted</c> yields a delete, <c>undeleted</c>, <c>added</c> and <c>removed</c> (moves, which do not bump
/// <c>modified_at</c>) re-read the task. An expired token asks the host to prune and the next run to list in full,
/// since events are delivered at most once.
/// </para>
/// <para>
/// A task whose listed record matches the fingerprint the host remembers costs nothing more; any other costs one
/// stories request (all of its stories in one call, comments picked out), run concurrently within a page under the
/// client's limits. Completed tasks with <see cref="AsanaOptions.IncludeCompleted"/> off yield <see cref="Skip"/>: the
/// task still exists, the settings leave it out, and the host forgets what it had delivered of it.
/// </para>
/// <para>
/// A project that answers 403 or 404 is reported by name at the end of the run while the other projects sync; 401
/// ends the run at once. Subtasks are synced only when they are themselves in a configured project.
/// </para>
/// </remarks>
internal sealed partial class AsanaConnector(
    AsanaClient client,
    TaskRenderer renderer,
    AsanaOptions options,
    ConnectorInstance instance,
    TimeProvider timeProvider,
    ILogger<AsanaConnector> logger) : IConnector, IFullListing, IConnectionCheck
{
    /// <summary>What the connector reads of a task; every name is in the published opt_fields enumeration.</summary>
    internal const string TaskFields =
        "name,resource_subtype,notes,html_notes,completed,completed_at,modified_at,due_on,due_at,assignee.name," +
        "memberships.project.name,memberships.section.name,tags.name,custom_fields.name,custom_fields.display_value," +
        "permalink_url";

    internal const string StoryFields = "resource_subtype,text,created_at,created_by.name";

    private const string ProjectFields = "name,archived";

    /// <inheritdoc />
    public TimeSpan PruneInterval => options.FullListingInterval;

    /// <inheritdoc />
    public async Task CheckConnectionAsync(CancellationToken cancellationToken)
    {
        var what = "the token's user (GET /users/me)";
        try
        {
            _ = await client.GetAsync<AsanaUser>("/users/me?opt_fields=name", cancellationToken);
            what = $"workspace {options.Workspace}";
            _ = await client.GetAsync<AsanaRef>($"/workspaces/{options.Workspace}?opt_fields=name", cancellationToken);
        }
        catch (Exception e) when (IsSourceFailure(e, cancellationToken))
        {
            throw Failure(e, what);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cursor = AsanaCursor.Parse(request.Cursor);
        if (cursor.Settings is not null && cursor.Settings != renderer.SettingsDigest)
        {
            LogSettingsChanged(instance.Name);
            foreach (var state in cursor.Projects.Values)
            {
                state.LastFullListing = null;
                state.Pass = null;
            }
        }

        cursor.Settings = renderer.SettingsDigest;
        var (projects, failures) = await ResolveProjectsAsync(cancellationToken);
        // A named project that failed to resolve keeps its place: it is refused or missing, not deleted.
        var kept = projects.Select(p => p.Gid).Concat(options.Projects);
        foreach (var gone in cursor.Projects.Keys.Except(kept, StringComparer.Ordinal).ToList())
        {
            cursor.Projects.Remove(gone);
            request.RequestPruning($"Asana project {gone} is no longer synced (removed from the settings, archived, deleted, or no longer visible to the token).");
        }

        var run = new RunState(projects.Select(p => p.Gid));
        var synced = 0;
        foreach (var project in projects)
        {
            var failed = false;
            await using var changes = SyncProjectAsync(project, cursor, run, request, cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                try
                {
                    if (!await changes.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception e) when (IsSourceFailure(e, cancellationToken))
                {
                    var failure = Failure(e, $"project {Describe(project)}");
                    if (failure.Kind is not (ConnectorErrorKind.Authorization or ConnectorErrorKind.NotFound))
                    {
                        throw failure;
                    }

                    LogProjectFailed(failure, project.Gid);
                    failures.Add(failure);
                    failed = true;
                    break;
                }

                yield return changes.Current;
            }

            synced += failed ? 0 : 1;
        }

        if (failures.Count > 0)
        {
            throw new ConnectorException(
                failures[0].Kind,
                string.Join(" ", failures.Select(f => f.Message)) + $" The other {synced} project(s) were synced.",
                failures[0]);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListNativeIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (projects, failures) = await ResolveProjectsAsync(cancellationToken);
        if (failures.Count > 0)
        {
            // A partial listing would read as "deleted": refuse instead.
            throw failures[0];
        }

        // Only tasks in several projects can come twice; remembering just those keeps memory small.
        var multiHomed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var project in projects)
        {
            var path = AsanaClient.Path(
                "/tasks",
                ("project", project.Gid),
                ("completed_since", options.IncludeCompleted ? null : "now"),
                ("opt_fields", "memberships.project"));
            await using var tasks = client.ListAsync<AsanaTask>(path, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                try
                {
                    if (!await tasks.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception e) when (IsSourceFailure(e, cancellationToken))
                {
                    throw Failure(e, $"the task listing of project {Describe(project)}");
                }

                var task = tasks.Current;
                if (task.Memberships.Count > 1 && !multiHomed.Add(task.Gid))
                {
                    continue;
                }

                yield return task.Gid;
            }
        }
    }

    private async IAsyncEnumerable<SourceChange> SyncProjectAsync(
        AsanaProject project,
        AsanaCursor cursor,
        RunState run,
        ReadRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = cursor.For(project.Gid);
        if (state.Sync is null)
        {
            var fresh = await client.GetEventsAsync(project.Gid, null, cancellationToken);
            state.Sync = fresh.Sync;
            if (state.HighWater is not null)
            {
                request.RequestPruning($"Asana project {Describe(project)} had no events sync token; deletions may have been missed.");
            }
        }

        await foreach (var change in ListTasksAsync(project, cursor, state, run, request.KnownItems, cancellationToken))
        {
            yield return change;
        }

        await foreach (var change in ReadEventsAsync(project, cursor, state, run, request, cancellationToken))
        {
            yield return change;
        }
    }

    private async IAsyncEnumerable<SourceChange> ListTasksAsync(
        AsanaProject project,
        AsanaCursor cursor,
        ProjectCursor state,
        RunState run,
        IKnownItems known,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (state.Pass is null)
        {
            var full = state.HighWater is null || state.LastFullListing is null
                || timeProvider.GetUtcNow() - state.LastFullListing >= options.FullListingInterval;
            state.Pass = new ListingPass { Full = full, Since = full ? null : state.HighWater - options.ModifiedSinceOverlap };
            LogListing(project.Gid, full ? "full" : "incremental", state.Pass.Since);
        }

        var pass = state.Pass;
        var path = AsanaClient.Path(
            "/tasks",
            ("project", project.Gid),
            ("modified_since", pass.Since is { } since ? AsanaClient.Timestamp(since) : null),
            ("opt_fields", TaskFields));
        var restarted = false;
        while (true)
        {
            AsanaResponse<AsanaPage<AsanaTask>> page;
            try
            {
                page = await client.GetPageAsync<AsanaTask>(path, pass.Offset, cancellationToken);
            }
            catch (AsanaApiException e) when (e.Status == HttpStatusCode.BadRequest && pass.Offset is not null && !restarted)
            {
                // Offsets expire; re-reading the pass from its first page is safe (the host skips known versions).
                LogOffsetRejected(project.Gid, e.AsanaMessage);
                pass.Offset = null;
                restarted = true;
                continue;
            }

            pass.Start ??= page.ServerDate ?? timeProvider.GetUtcNow();
            foreach (var change in await ProcessAsync(page.Body.Data, project.Gid, run, known, cancellationToken))
            {
                yield return change;
            }

            pass.Offset = page.Body.NextPage?.Offset;
            if (pass.Offset is null)
            {
                state.HighWater = pass.Start;
                if (pass.Full)
                {
                    state.LastFullListing = timeProvider.GetUtcNow();
                }

                state.Pass = null;
            }

            yield return cursor.ToCheckpoint();
            if (state.Pass is null)
            {
                yield break;
            }
        }
    }

    private async IAsyncEnumerable<SourceChange> ReadEventsAsync(
        AsanaProject project,
        AsanaCursor cursor,
        ProjectCursor state,
        RunState run,
        ReadRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var batch = await client.GetEventsAsync(project.Gid, state.Sync, cancellationToken);
            if (batch.TokenRejected)
            {
                // Events are at most once and the gap is unknown: prune now, and list in full next time for the
                // restores and moves the lost events would have reported.
                state.Sync = batch.Sync;
                state.LastFullListing = null;
                LogTokenExpired(project.Gid);
                request.RequestPruning(
                    $"The Asana events sync token of project {Describe(project)} expired; deletions may have been missed.");
                yield return cursor.ToCheckpoint();
                yield break;
            }

            foreach (var change in await ApplyEventsAsync(batch.Events, project.Gid, run, request.KnownItems, cancellationToken))
            {
                yield return change;
            }

            state.Sync = batch.Sync;
            yield return cursor.ToCheckpoint();
            if (!batch.HasMore)
            {
                yield break;
            }
        }
    }

    private async Task<List<SourceChange>> ApplyEventsAsync(
        IReadOnlyList<AsanaEvent> events, string projectGid, RunState run, IKnownItems known, CancellationToken cancellationToken)
    {
        // The last action per task wins: deleted then undeleted re-reads it, undeleted then deleted deletes it.
        var actions = new Dictionary<string, bool>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var e in events)
        {
            if (e.Resource is not { ResourceType: "task", Gid: var gid })
            {
                continue;
            }

            bool? delete = e.Action switch
            {
                "deleted" => true,
                "undeleted" or "removed" => false,
                // A new task or one moved in; skip it when this project's listing has just read it.
                "added" when !run.WasListedBy(gid, projectGid) || actions.ContainsKey(gid) => false,
                // "changed" bumps modified_at: the listing reads it.
                _ => null,
            };
            if (delete is { } d)
            {
                if (!actions.ContainsKey(gid))
                {
                    order.Add(gid);
                }

                actions[gid] = d;
            }
        }

        var changes = order.Select(gid => actions[gid]
            ? Task.FromResult<SourceChange?>(new Delete(gid))
            : RereadAsync(gid, projectGid, run, known, cancellationToken));
        return [.. (await Task.WhenAll(changes)).OfType<SourceChange>()];
    }

    private async Task<SourceChange?> RereadAsync(
        string taskGid, string projectGid, RunState run, IKnownItems known, CancellationToken cancellationToken)
    {
        AsanaTask task;
        try
        {
            task = await client.GetAsync<AsanaTask>($"/tasks/{taskGid}?opt_fields={TaskFields}", cancellationToken);
        }
        catch (AsanaApiException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return new Delete(taskGid);
        }

        if (!run.IsInScope(task))
        {
            return new Delete(taskGid);
        }

        return run.TryClaim(task, projectGid) ? await BuildChangeAsync(task, known, cancellationToken) : null;
    }

    private async Task<List<SourceChange>> ProcessAsync(
        IReadOnlyList<AsanaTask> tasks, string projectGid, RunState run, IKnownItems known, CancellationToken cancellationToken)
    {
        var pending = tasks.Where(t => run.TryClaim(t, projectGid)).Select(t => BuildChangeAsync(t, known, cancellationToken));
        return [.. (await Task.WhenAll(pending)).OfType<SourceChange>()];
    }

    private async Task<SourceChange?> BuildChangeAsync(AsanaTask task, IKnownItems known, CancellationToken cancellationToken)
    {
        var fingerprint = renderer.Fingerprint(task);
        var last = await known.FindAsync(task.Gid, cancellationToken);
        if (!renderer.IsDelivered(task))
        {
            return last is { Version: null } && last.Fingerprint == fingerprint
                ? null
                : new Skip(task.Gid, "completed, and includeCompleted is false", fingerprint);
        }

        if (last is { Version: not null } && last.Fingerprint == fingerprint)
        {
            return null;
        }

        var stories = new List<AsanaStory>();
        if (options.IncludeComments)
        {
            try
            {
                var path = AsanaClient.Path($"/tasks/{task.Gid}/stories", ("opt_fields", StoryFields));
                await foreach (var story in client.ListAsync<AsanaStory>(path, cancellationToken))
                {
                    stories.Add(story);
                }
            }
            catch (AsanaApiException e) when (e.Status == HttpStatusCode.NotFound)
            {
                // Deleted since it was listed.
                return new Delete(task.Gid);
            }
        }

        return new Upsert(renderer.Render(task, stories, fingerprint));
    }

    private async Task<(List<AsanaProject> Projects, List<ConnectorException> Failures)> ResolveProjectsAsync(
        CancellationToken cancellationToken)
    {
        var projects = new List<AsanaProject>();
        var failures = new List<ConnectorException>();
        if (options.Projects.Count > 0)
        {
            // Named projects are synced even when archived: the operator asked for them.
            foreach (var gid in options.Projects.Distinct(StringComparer.Ordinal))
            {
                try
                {
                    projects.Add(await client.GetAsync<AsanaProject>($"/projects/{gid}?opt_fields={ProjectFields}", cancellationToken));
                }
                catch (Exception e) when (IsSourceFailure(e, cancellationToken))
                {
                    var failure = Failure(e, $"project {gid}");
                    if (failure.Kind is not (ConnectorErrorKind.Authorization or ConnectorErrorKind.NotFound))
                    {
                        throw failure;
                    }

                    LogProjectFailed(failure, gid);
                    failures.Add(failure);
                }
            }

            return (projects, failures);
        }

        var (path, what) = options.Team is { } team
            ? ($"/teams/{team}/projects?archived=false&opt_fields={ProjectFields}", $"team {team}")
            : ($"/workspaces/{options.Workspace}/projects?archived=false&opt_fields={ProjectFields}",
                $"workspace {options.Workspace}");
        try
        {
            await foreach (var project in client.ListAsync<AsanaProject>(path, cancellationToken))
            {
                projects.Add(project);
            }
        }
        catch (Exception e) when (IsSourceFailure(e, cancellationToken))
        {
            throw Failure(e, $"the projects of {what}");
        }

        return (projects, failures);
    }

    private static bool IsSourceFailure(Exception e, CancellationToken cancellationToken) =>
        e is AsanaApiException or HttpRequestException or JsonException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private ConnectorException Failure(Exception e, string what)
    {
        var detail = e is AsanaApiException { AsanaMessage: { Length: > 0 } message } ? $" (Asana: \"{message}\")" : string.Empty;
        return e switch
        {
            ConnectorException c => c,
            AsanaApiException { Status: HttpStatusCode.Unauthorized } => new ConnectorException(
                ConnectorErrorKind.Authentication,
                $"Asana rejected the access token (401 Not Authorized) while reading {what}. Check accessToken of " +
                $"connector '{instance.Name}': the personal access token may have been revoked or expired, or its " +
                "user deactivated.",
                e),
            AsanaApiException { Status: HttpStatusCode.PaymentRequired } => new ConnectorException(
                ConnectorErrorKind.Configuration,
                $"Asana answered 402 Payment Required while reading {what}{detail}: that needs a premium Asana " +
                "plan. The connector syncs without premium-only endpoints; check the workspace's plan and that " +
                "baseUrl points at the Asana API.",
                e),
            AsanaApiException { Status: HttpStatusCode.Forbidden } => new ConnectorException(
                ConnectorErrorKind.Authorization,
                $"Asana refused access to {what} (403 Forbidden){detail}. Share it with the token's user, or remove " +
                $"it from the settings of connector '{instance.Name}'.",
                e),
            AsanaApiException { Status: HttpStatusCode.NotFound } => new ConnectorException(
                ConnectorErrorKind.NotFound,
                $"Asana does not know {what}, or hides it from the token's user (404 Not Found){detail}. Check the " +
                $"gid in the settings of connector '{instance.Name}'.",
                e),
            AsanaApiException { Status: HttpStatusCode.TooManyRequests } a => new ConnectorException(
                ConnectorErrorKind.RateLimited,
                $"Asana kept rate-limiting the connector while reading {what} (429); the next run resumes from the " +
                "last checkpoint. Lower requestsPerMinute if this repeats (150 for free workspaces).",
                e)
            {
                RetryAfter = a.RetryAfter,
            },
            AsanaApiException { Status: >= HttpStatusCode.InternalServerError } a => new ConnectorException(
                ConnectorErrorKind.Unavailable,
                $"Asana kept failing while reading {what} ({(int)a.Status}" +
                $"{(a.Phrase is null ? string.Empty : $", error phrase \"{a.Phrase}\"")}); the next run resumes " +
                "from the last checkpoint.",
                e),
            AsanaApiException a => new ConnectorException(
                ConnectorErrorKind.Configuration,
                $"Asana rejected a request while reading {what}: {a.Message}.",
                e),
            HttpRequestException or OperationCanceledException => new ConnectorException(
                ConnectorErrorKind.Unavailable,
                $"Could not reach Asana at {options.BaseUrl} while reading {what}: {e.Message}",
                e),
            _ => new ConnectorException(
                ConnectorErrorKind.InvalidData,
                $"Asana answered with data the connector cannot read while reading {what}: {e.Message}",
                e),
        };
    }

    private static string Describe(AsanaProject project) =>
        string.IsNullOrWhiteSpace(project.Name) ? project.Gid : $"{project.Gid} ({project.Name})";

    [LoggerMessage(Level = LogLevel.Information, Message = "Asana settings of connector {Connector} changed: every project is listed in full")]
    private partial void LogSettingsChanged(string connector);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Asana project {Project}: {Kind} listing, modified since {Since}")]
    private partial void LogListing(string project, string kind, DateTimeOffset? since);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asana project {Project}: the pagination offset was refused ({Reason}); listing again from the first page")]
    private partial void LogOffsetRejected(string project, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asana project {Project}: the events sync token expired; asking the host to prune and listing in full next run")]
    private partial void LogTokenExpired(string project);

    [LoggerMessage(Level = LogLevel.Error, Message = "Asana project {Project} cannot be synced; the other projects go on")]
    private partial void LogProjectFailed(Exception error, string project);
}
