using System.Runtime.CompilerServices;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Confluence.Http;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.Confluence.Sync;

/// <summary>
/// Reads the configured Confluence spaces incrementally with CQL (<c>lastmodified</c>, oldest first, cursor-paginated),
/// lists them completely for pruning, and checks the connection.
/// </summary>
/// <remarks>
/// <para>
/// Each run: one search from the cursor's minute minus the overlap window, following <c>_links.next</c> to the end,
/// with a checkpoint after every result page. Items whose page version the host's ledger already holds are not yielded
/// again. With <c>includeComments</c>, comments are searched too and a changed comment re-reads its page.
/// </para>
/// <para>
/// A 500, 502 or 504 on a search halves the page size and restarts the search from the last checkpoint (a cursor's
/// limit is never changed). Once an hour, after the incremental search, the listing is compared with the ledger and
/// what it lacks (a page moved in from another space, an edit the search index missed) is read by id.
/// </para>
/// </remarks>
internal sealed class ConfluenceConnector : IConnector, IFullListing, IConnectionCheck
{
    internal const int MaxConsecutiveServerErrors = 6;
    internal static readonly TimeSpan ReconcileInterval = TimeSpan.FromHours(1);

    private readonly ConfluenceSite _site;
    private readonly ItemBuilder _builder;
    private readonly ConfluenceOptions _options;
    private readonly ConnectorInstance _instance;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ConfluenceConnector> _logger;

    public ConfluenceConnector(
        ConfluenceSite site,
        ItemBuilder builder,
        ConfluenceOptions options,
        ConnectorInstance instance,
        TimeProvider timeProvider,
        ILogger<ConfluenceConnector> logger)
    {
        _site = site;
        _builder = builder;
        _options = options;
        _instance = instance;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// An hour: a listing costs one request per 250 items per space, cheap next to the search, and a trashed or
    /// archived page (which the search cannot report) should not linger in MemorySync for a day.
    /// </summary>
    public TimeSpan PruneInterval => TimeSpan.FromHours(1);

    public async Task CheckConnectionAsync(CancellationToken cancellationToken)
    {
        await _site.VerifyIdentityAsync(cancellationToken);
        if (_site.IsCloud)
        {
            await _site.ResolveSpaceIdsAsync(cancellationToken);
        }
    }

    public async IAsyncEnumerable<string> ListNativeIdsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _site.VerifyIdentityAsync(cancellationToken);
        await foreach (var item in _site.ListAsync(cancellationToken))
        {
            yield return item.Id;
        }
    }

    public async IAsyncEnumerable<SourceChange> ReadChangesAsync(
        ReadRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var scope = SyncCursor.ScopeOf(_options);
        var cursor = SyncCursor.Parse(request.Cursor, _instance.Name);
        if (cursor is not null && cursor.Scope != scope)
        {
            _logger.LogInformation(
                "Connector {Connector}: the spaces, content types, excluded labels or comment setting changed; reading everything again",
                _instance.Name);
            request.RequestPruning("the Confluence settings (spaces, content types, excluded labels or comments) changed");
            cursor = null;
        }

        await _site.VerifyIdentityAsync(cancellationToken);
        if (_site.IsCloud)
        {
            await _site.ResolveSpaceIdsAsync(cancellationToken);
        }

        var state = new RunState(scope)
        {
            Since = cursor?.Since,
            ReconciledAt = cursor?.ReconciledAt,
            PageSize = _options.PageSize,
        };
        var timeZone = await _site.GetTimeZoneAsync(cancellationToken);
        var firstRead = state.Since is null;

        await foreach (var change in SearchChangesAsync(request, state, timeZone, cancellationToken))
        {
            yield return change;
        }

        if (firstRead)
        {
            // A full read leaves nothing to reconcile; the next check is due an interval later.
            state.ReconciledAt ??= state.ListingStartedAt;
            yield return Checkpoint(state);
        }
        else if (state.ReconciledAt is not { } reconciled || state.ServerNow - reconciled >= ReconcileInterval)
        {
            await foreach (var change in ReconcileAsync(request, state, cancellationToken))
            {
                yield return change;
            }
        }

        _logger.LogInformation(
            "Connector {Connector}: {Read} items read from Confluence, {Yielded} yielded, {Known} already delivered; cursor at {Since:u}",
            _instance.Name,
            state.Read,
            state.Yielded,
            state.Known,
            state.Since);
    }

    private async IAsyncEnumerable<SourceChange> SearchChangesAsync(
        ReadRequest request, RunState state, TimeZoneInfo timeZone, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var types = _options.IncludeComments ? [.. _site.ContentTypes, "comment"] : _site.ContentTypes;
        var overlap = TimeSpan.FromMinutes(_options.OverlapMinutes);
        var failures = 0;
        Uri? uri = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (uri is null)
            {
                var literal = state.Since is { } since ? Cql.Literal(since - overlap, timeZone) : null;
                uri = _site.SearchUri(Cql.Changes(types, _site.Spaces, _site.ExcludeLabels, literal), state.PageSize);
                state.ListingStartedAt = null;
            }

            ConfluenceAnswer<ContentArray> answer;
            try
            {
                answer = await _site.SearchPageAsync(uri, cancellationToken);
                failures = 0;
            }
            catch (ConfluenceServerErrorException ex)
            {
                if (++failures >= MaxConsecutiveServerErrors)
                {
                    throw new ConnectorException(
                        ConnectorErrorKind.Unavailable,
                        $"Confluence at {_site.SiteUrl} kept failing with HTTP {(int)ex.StatusCode} on the search, even with " +
                        $"{state.PageSize} results per request; the next run resumes from the last checkpoint.",
                        ex);
                }

                state.PageSize = Math.Max(1, state.PageSize / 2);
                var delay = Backoff(failures);
                _logger.LogWarning(
                    "Confluence at {Site} failed with HTTP {Status} on the search; restarting it from the last checkpoint in {Delay} with {PageSize} results per request",
                    _site.SiteUrl,
                    (int)ex.StatusCode,
                    delay,
                    state.PageSize);
                await Task.Delay(delay, _timeProvider, cancellationToken);
                uri = null;
                continue;
            }

            var page = answer.Value;
            state.ServerTime(answer.ServerTime ?? _timeProvider.GetUtcNow());
            state.ListingStartedAt ??= state.ServerNow;

            await foreach (var change in UpsertsAsync(page.Results, request.KnownItems, state, cancellationToken))
            {
                yield return change;
            }

            state.Advance(page.Results.Select(r => r.Version?.When).Max());
            var hasNext = page.Links?.Next is { Length: > 0 };
            if (!hasNext)
            {
                // The search reached its end: every change before it started has been seen (the overlap window covers
                // changes the index had not caught up with).
                state.Advance(state.ListingStartedAt);
            }

            yield return Checkpoint(state);
            if (!hasNext || page.Results.Count == 0)
            {
                // A next link with no results ends the listing too (Confluence sometimes offers one past the end).
                yield break;
            }

            uri = _site.Next(page.Links!);
        }
    }

    private async IAsyncEnumerable<SourceChange> ReconcileAsync(
        ReadRequest request, RunState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var startedAt = state.ServerNow;
        var missing = new List<string>();
        var checkedCount = 0;
        await foreach (var listed in _site.ListAsync(cancellationToken))
        {
            checkedCount++;
            var known = await request.KnownItems.FindAsync(listed.Id, cancellationToken);
            if (known?.Fingerprint == ItemBuilder.Fingerprint(listed.VersionNumber, _options.IncludeComments))
            {
                continue;
            }

            missing.Add(listed.Id);
            if (missing.Count == 50)
            {
                await foreach (var change in FetchAsync(missing, request, state, cancellationToken))
                {
                    yield return change;
                }

                missing.Clear();
            }
        }

        await foreach (var change in FetchAsync(missing, request, state, cancellationToken))
        {
            yield return change;
        }

        state.ReconciledAt = startedAt;
        _logger.LogInformation(
            "Connector {Connector}: reconciled {Checked} listed items with the ledger", _instance.Name, checkedCount);
        yield return Checkpoint(state);
    }

    private async IAsyncEnumerable<SourceChange> FetchAsync(
        List<string> ids, ReadRequest request, RunState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            yield break;
        }

        _logger.LogInformation(
            "Connector {Connector}: {Count} listed items are missing from the ledger or changed unseen; reading them",
            _instance.Name,
            ids.Count);
        await foreach (var content in _site.FetchByIdsAsync(ids.ToList(), cancellationToken))
        {
            state.Read++;
            state.Yielded++;
            yield return new Upsert(await _builder.BuildAsync(content, cancellationToken));
        }

        yield return Checkpoint(state);
    }

    /// <summary>
    /// The upserts for one page of search results. A comment stands for its page: the page is read (by id when it is
    /// not among the results) and yielded even if its version is known, because its comments changed.
    /// </summary>
    private async IAsyncEnumerable<SourceChange> UpsertsAsync(
        List<Content> results,
        IKnownItems knownItems,
        RunState state,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = new List<Content>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var commented = new HashSet<string>(StringComparer.Ordinal);
        foreach (var content in results)
        {
            if (content.Type == "comment")
            {
                if (_options.IncludeComments && content.ContainerContentId is { Length: > 0 } containerId)
                {
                    commented.Add(containerId);
                }
            }
            else if (_site.ContentTypes.Contains(content.Type) && seen.Add(content.Id))
            {
                items.Add(content);
            }
        }

        foreach (var content in items)
        {
            state.Read++;
            var forced = commented.Remove(content.Id);
            var known = forced ? null : await knownItems.FindAsync(content.Id, cancellationToken);
            if (known?.Fingerprint == ItemBuilder.Fingerprint(content.Version?.Number ?? 0, _options.IncludeComments))
            {
                state.Known++;
                continue;
            }

            state.Yielded++;
            yield return new Upsert(await _builder.BuildAsync(content, cancellationToken));
        }

        if (commented.Count > 0)
        {
            await foreach (var content in _site.FetchByIdsAsync(commented, cancellationToken))
            {
                state.Read++;
                state.Yielded++;
                yield return new Upsert(await _builder.BuildAsync(content, cancellationToken));
            }
        }
    }

    private static Checkpoint Checkpoint(RunState state) =>
        new(new SyncCursor(state.Since, state.Scope, state.ReconciledAt).Serialize(), state.Since);

    private static TimeSpan Backoff(int failures)
    {
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var seconds = Math.Min(60, Math.Pow(2, failures)) * (0.8 + (0.4 * Random.Shared.NextDouble()));
#pragma warning restore CA5394
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>What one run knows: the cursor being built, the page size in force and Confluence's clock.</summary>
    private sealed class RunState(string scope)
    {
        public string Scope { get; } = scope;

        public DateTimeOffset? Since { get; set; }

        public DateTimeOffset? ReconciledAt { get; set; }

        public DateTimeOffset? ListingStartedAt { get; set; }

        public int PageSize { get; set; }

        public DateTimeOffset ServerNow { get; private set; }

        public int Read { get; set; }

        public int Yielded { get; set; }

        public int Known { get; set; }

        public void ServerTime(DateTimeOffset now) => ServerNow = now;

        public void Advance(DateTimeOffset? to)
        {
            if (to is { } t && (Since is null || t > Since))
            {
                Since = t;
            }
        }
    }
}
