using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Confluence.Http;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Plugins.Confluence.Sync;

/// <summary>A listed item: its id and page version number.</summary>
internal readonly record struct ListedItem(string Id, int VersionNumber);

/// <summary>A footer comment, flattened: who wrote it, when, its storage body and how deep a reply it is.</summary>
internal sealed record SiteComment(string Id, string? AuthorId, string? AuthorName, DateTimeOffset? When, string Storage, int Depth);

/// <summary>
/// The Confluence operations the connector needs, over <see cref="ConfluenceClient"/>: REST v1 (CQL search, users,
/// system information) for both flavours, REST v2 (spaces, listings, footer comments) for Cloud.
/// </summary>
internal sealed class ConfluenceSite
{
    /// <summary>The v1 expansions of an item the connector delivers.</summary>
    public const string ItemExpand = "body.storage,version,space,history,ancestors,metadata.labels,container";

    private const int IdBatchSize = 50;
    private const int ListingPageSize = 250;
    private const int MaxCachedUsers = 10_000;

    private readonly ConfluenceClient _client;
    private readonly ConfluenceOptions _options;
    private readonly ILogger<ConfluenceSite> _logger;
    private readonly ConcurrentDictionary<string, string> _userNames = new(StringComparer.Ordinal);
    private TimeZoneInfo? _timeZone;
    private bool _userLookupUnavailable;

    public ConfluenceSite(ConfluenceClient client, ConfluenceOptions options, ILogger<ConfluenceSite> logger)
    {
        _client = client;
        _options = options;
        _logger = logger;
        Spaces = [.. options.Spaces.Select(s => s.Trim())];
        ContentTypes = options.EffectiveContentTypes;
        ExcludeLabels = [.. options.ExcludeLabels.Select(l => l.Trim())];
    }

    public Uri SiteUrl => _client.SiteUrl;

    public IReadOnlyList<string> Spaces { get; }

    public IReadOnlyList<string> ContentTypes { get; }

    public IReadOnlyList<string> ExcludeLabels { get; }

    public bool IsCloud => _options.Flavour == ConfluenceFlavour.Cloud;

    /// <summary>Display names by account id (or user key) learned so far.</summary>
    public IReadOnlyDictionary<string, string> UserNames => _userNames;

    /// <summary>
    /// Fails unless the credentials are accepted as a real user. Data Center answers a wrong token as an anonymous
    /// user instead of 401; reading on would see only public content, and pruning would then forget everything else.
    /// </summary>
    public async Task VerifyIdentityAsync(CancellationToken cancellationToken)
    {
        var user = await _client.GetJsonAsync<User>(_client.Api("/rest/api/user/current"), null, false, cancellationToken);
        if (string.Equals(user.Type, "anonymous", StringComparison.OrdinalIgnoreCase))
        {
            throw new ConnectorException(
                ConnectorErrorKind.Authentication,
                $"Confluence rejected the credentials for {SiteUrl}: it answered as the anonymous user (check apiToken).");
        }

        Learn(user);
    }

    /// <summary>The v2 ids of the configured spaces (Cloud only), failing when one is missing.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ResolveSpaceIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in Spaces.Chunk(ListingPageSize))
        {
            var keys = string.Join(",", chunk.Select(Uri.EscapeDataString));
            var uri = _client.Api($"/api/v2/spaces?keys={keys}&limit={ListingPageSize}");
            await foreach (var space in PagesV2Async<V2Space>(uri, null, cancellationToken))
            {
                ids[space.Key] = space.Id;
            }
        }

        if (Spaces.FirstOrDefault(key => !ids.ContainsKey(key)) is { } missing)
        {
            throw SpaceNotFound(missing);
        }

        return ids;
    }

    /// <summary>The site's time zone for CQL literals: configured, else the site's default, else UTC.</summary>
    public async Task<TimeZoneInfo> GetTimeZoneAsync(CancellationToken cancellationToken)
    {
        if (_timeZone is not null)
        {
            return _timeZone;
        }

        if (!string.IsNullOrWhiteSpace(_options.SiteTimeZone))
        {
            return _timeZone = TimeZoneInfo.FindSystemTimeZoneById(_options.SiteTimeZone);
        }

        string? reported = null;
        try
        {
            var info = await _client.GetJsonAsync<SystemInfo>(_client.Api("/rest/api/settings/systemInfo"), null, false, cancellationToken);
            reported = info.DefaultTimeZone;
        }
        catch (ConnectorException ex) when (ex.Kind is ConnectorErrorKind.NotFound or ConnectorErrorKind.Authorization)
        {
            _logger.LogDebug(ex, "Confluence at {Site} does not show its system information", SiteUrl);
        }

        if (!string.IsNullOrWhiteSpace(reported) && TimeZoneInfo.TryFindSystemTimeZoneById(reported, out var zone))
        {
            _logger.LogInformation("Confluence at {Site} reads CQL dates in its default time zone {TimeZone}", SiteUrl, zone.Id);
            return _timeZone = zone;
        }

        _logger.LogWarning(
            "Confluence at {Site} did not tell its time zone (reported: {Reported}); CQL dates are written in UTC. " +
            "Set siteTimeZone if the site uses another zone, or edits may be picked up late",
            SiteUrl,
            reported ?? "nothing");
        return _timeZone = TimeZoneInfo.Utc;
    }

    /// <summary>The first page of a CQL search with the item expansions.</summary>
    public Uri SearchUri(string cql, int limit) =>
        _client.Api(
            $"/rest/api/content/search?cql={Uri.EscapeDataString(cql)}&expand={Uri.EscapeDataString(ItemExpand)}&limit={limit}");

    /// <summary>One page of a CQL search; 500, 502 and 504 are thrown as <see cref="ConfluenceServerErrorException"/>.</summary>
    public async Task<ConfluenceAnswer<ContentArray>> SearchPageAsync(Uri uri, CancellationToken cancellationToken)
    {
        var answer = await _client.GetAsync<ContentArray>(uri, null, callerHandlesServerErrors: true, cancellationToken);
        foreach (var content in answer.Value.Results)
        {
            Learn(content.Version?.By);
            Learn(content.History?.CreatedBy);
        }

        return answer;
    }

    /// <summary>The address a v1 <c>_links.next</c> points to.</summary>
    public Uri Next(Links links) => _client.FollowV1(links.Next!);

    /// <summary>A page's address for people, from <c>_links.webui</c>.</summary>
    public Uri? WebUrl(Content content) =>
        content.Links?.Webui is { Length: > 0 } webui ? _client.FollowV1(webui) : null;

    /// <summary>The in-scope items among the given ids, with the item expansions.</summary>
    public async IAsyncEnumerable<Content> FetchByIdsAsync(
        IEnumerable<string> ids, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var chunk in ids.Chunk(IdBatchSize))
        {
            await foreach (var result in PagesV1Async(SearchUri(Cql.ByIds(ContentTypes, Spaces, ExcludeLabels, chunk), IdBatchSize), cancellationToken))
            {
                yield return result;
            }
        }
    }

    /// <summary>
    /// Every item the connector would deliver now, with its version number: v2 listings per space with
    /// <c>status=current</c> on Cloud (so archived and trashed items are not listed), a CQL listing on Data Center.
    /// </summary>
    public async IAsyncEnumerable<ListedItem> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!IsCloud)
        {
            await foreach (var item in ListWithCqlAsync(Cql.Listing(ContentTypes, Spaces, ExcludeLabels), cancellationToken))
            {
                yield return item;
            }

            yield break;
        }

        // v2 listings know nothing of labels: the few items carrying an excluded label are found first and left out.
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        if (ExcludeLabels.Count > 0)
        {
            await foreach (var item in ListWithCqlAsync(Cql.Listing(ContentTypes, Spaces, [], ExcludeLabels), cancellationToken))
            {
                excluded.Add(item.Id);
            }
        }

        var spaceIds = await ResolveSpaceIdsAsync(cancellationToken);
        foreach (var key in Spaces)
        {
            foreach (var type in ContentTypes)
            {
                var collection = type == "blogpost" ? "blogposts" : "pages";
                var uri = _client.Api($"/api/v2/spaces/{spaceIds[key]}/{collection}?status=current&limit={ListingPageSize}");
                await foreach (var item in PagesV2Async<V2Content>(uri, SpaceNotFound(key).Message, cancellationToken))
                {
                    if (!excluded.Contains(item.Id))
                    {
                        yield return new ListedItem(item.Id, item.Version?.Number ?? 0);
                    }
                }
            }
        }
    }

    /// <summary>The footer comments of an item and their replies, in thread order.</summary>
    public async Task<IReadOnlyList<SiteComment>> GetFooterCommentsAsync(Content item, CancellationToken cancellationToken)
    {
        var comments = new List<SiteComment>();
        if (IsCloud)
        {
            var collection = item.Type == "blogpost" ? "blogposts" : "pages";
            await CollectV2Async(_client.Api($"/api/v2/{collection}/{item.Id}/footer-comments?body-format=storage&limit={ListingPageSize}"), 0);
        }
        else
        {
            var uri = _client.Api($"/rest/api/content/{item.Id}/child/comment?location=footer&depth=all&expand=body.storage,version&limit=100");
            await foreach (var comment in PagesV1Async(uri, cancellationToken))
            {
                comments.Add(new SiteComment(
                    comment.Id,
                    comment.Version?.By?.AccountId ?? comment.Version?.By?.UserKey,
                    Name(comment.Version?.By),
                    comment.Version?.When,
                    comment.Body?.Storage?.Value ?? "",
                    0));
            }
        }

        return comments;

        async Task CollectV2Async(Uri uri, int depth)
        {
            await foreach (var comment in PagesV2Async<V2Content>(uri, null, cancellationToken))
            {
                comments.Add(new SiteComment(
                    comment.Id, comment.Version?.AuthorId, null, comment.Version?.CreatedAt, comment.Body?.Storage?.Value ?? "", depth));
                await CollectV2Async(
                    _client.Api($"/api/v2/footer-comments/{comment.Id}/children?body-format=storage&limit={ListingPageSize}"), depth + 1);
            }
        }
    }

    /// <summary>Looks up the display names of account ids not seen yet (Cloud; one request for up to 100 ids).</summary>
    public async Task ResolveUserNamesAsync(IEnumerable<string> accountIds, CancellationToken cancellationToken)
    {
        if (!IsCloud || _userLookupUnavailable)
        {
            return;
        }

        var unknown = accountIds.Where(id => !_userNames.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in unknown.Chunk(100))
        {
            var ids = string.Join(",", chunk.Select(Uri.EscapeDataString));
            try
            {
                var users = await _client.GetJsonAsync<UserArray>(
                    _client.Api($"/rest/api/user/bulk?accountId={ids}&limit=100"), null, false, cancellationToken);
                foreach (var user in users.Results)
                {
                    Learn(user);
                }
            }
            catch (ConnectorException ex) when (ex.Kind is ConnectorErrorKind.NotFound or ConnectorErrorKind.Authorization or ConnectorErrorKind.Configuration)
            {
                _userLookupUnavailable = true;
                _logger.LogWarning(
                    "Confluence at {Site} refused the user lookup ({Reason}); mentions keep their account ids", SiteUrl, ex.Message);
                return;
            }
        }
    }

    public ConnectorException SpaceNotFound(string key) =>
        new(ConnectorErrorKind.NotFound, $"Confluence space '{key}' not found or no permission at {SiteUrl}.");

    private static string? Name(User? user) => user?.DisplayName ?? user?.PublicName;

    private void Learn(User? user)
    {
        var id = user?.AccountId ?? user?.UserKey;
        if (id is null || Name(user) is not { Length: > 0 } name)
        {
            return;
        }

        if (_userNames.Count >= MaxCachedUsers)
        {
            _userNames.Clear();
        }

        _userNames[id] = name;
    }

    private async IAsyncEnumerable<ListedItem> ListWithCqlAsync(string cql, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var uri = _client.Api($"/rest/api/content/search?cql={Uri.EscapeDataString(cql)}&expand=version&limit={ListingPageSize}");
        await foreach (var content in PagesV1Async(uri, cancellationToken))
        {
            yield return new ListedItem(content.Id, content.Version?.Number ?? 0);
        }
    }

    /// <summary>Every result of a v1 listing, following <c>_links.next</c> until a page without one or without results.</summary>
    private async IAsyncEnumerable<Content> PagesV1Async(
        Uri first, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Uri? uri = first;
        while (uri is not null)
        {
            var page = await _client.GetJsonAsync<ContentArray>(uri, null, false, cancellationToken);
            foreach (var content in page.Results)
            {
                Learn(content.Version?.By);
                yield return content;
            }

            uri = page.Results.Count > 0 && page.Links?.Next is not null ? Next(page.Links) : null;
        }
    }

    private async IAsyncEnumerable<T> PagesV2Async<T>(
        Uri first, string? notFoundMessage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Uri? uri = first;
        while (uri is not null)
        {
            var page = await _client.GetJsonAsync<V2Result<T>>(uri, notFoundMessage, false, cancellationToken);
            foreach (var item in page.Results)
            {
                yield return item;
            }

            uri = page.Results.Count > 0 && page.Links?.Next is { Length: > 0 } next ? _client.FollowV2(next, page.Links.Base) : null;
        }
    }
}
