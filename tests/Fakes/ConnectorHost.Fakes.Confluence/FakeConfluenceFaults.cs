namespace ConnectorHost.Fakes.Confluence;

/// <summary>The families of endpoints a fault can aim at.</summary>
public enum FakeRoute
{
    /// <summary>Every endpoint.</summary>
    Any = 0,

    /// <summary>v1 <c>/rest/api/content/search</c>.</summary>
    Search,

    /// <summary>v2 <c>/api/v2/...</c>.</summary>
    V2,

    /// <summary>Footer comments (v2) and child comments (v1).</summary>
    Comments,

    /// <summary>v1 users (<c>/rest/api/user/...</c>).</summary>
    Users,

    /// <summary>v1 <c>/rest/api/settings/systemInfo</c>.</summary>
    SystemInfo,

    /// <summary>Anything else (answered 404).</summary>
    Other,
}

/// <summary>
/// Failures the fake injects: rate limits and outages with <c>Retry-After</c>, server errors, failures of searches
/// asking for too many results, and empty result pages that still offer a <c>next</c> link. Thread-safe.
/// </summary>
public sealed class FakeConfluenceFaults
{
    private readonly object _gate = new();
    private readonly List<Fault> _queue = [];
    private int? _failSearchesAboveLimit;
    private int _failSearchesAboveLimitStatus;
    private int _emptyPagesWithNext;

    /// <summary>The next <paramref name="times"/> requests of <paramref name="route"/> get 429 with <c>Retry-After</c>.</summary>
    public void RateLimit(int times, TimeSpan retryAfter, FakeRoute route = FakeRoute.Any) =>
        Enqueue(new Fault(429, route, retryAfter), times);

    /// <summary>The next <paramref name="times"/> requests of <paramref name="route"/> get 503, with <c>Retry-After</c> if given.</summary>
    public void Unavailable(int times, TimeSpan? retryAfter, FakeRoute route = FakeRoute.Any) =>
        Enqueue(new Fault(503, route, retryAfter), times);

    /// <summary>The next <paramref name="times"/> requests of <paramref name="route"/> fail with <paramref name="status"/>.</summary>
    public void ServerError(int times, int status = 500, FakeRoute route = FakeRoute.Any) =>
        Enqueue(new Fault(status, route, null), times);

    /// <summary>Until <see cref="Clear"/>, every search asking for more than <paramref name="limit"/> results fails.</summary>
    public void FailSearchesAboveLimit(int limit, int status = 504)
    {
        lock (_gate)
        {
            _failSearchesAboveLimit = limit;
            _failSearchesAboveLimitStatus = status;
        }
    }

    /// <summary>The next <paramref name="times"/> searches that carry a cursor answer no results but a <c>next</c> link.</summary>
    public void EmptyPagesWithNext(int times)
    {
        lock (_gate)
        {
            _emptyPagesWithNext += times;
        }
    }

    /// <summary>Removes every pending fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _queue.Clear();
            _failSearchesAboveLimit = null;
            _emptyPagesWithNext = 0;
        }
    }

    internal (int Status, TimeSpan? RetryAfter)? Take(FakeRoute route, int? searchLimit)
    {
        lock (_gate)
        {
            var index = _queue.FindIndex(f => f.Route == FakeRoute.Any || f.Route == route);
            if (index >= 0)
            {
                var fault = _queue[index];
                _queue.RemoveAt(index);
                return (fault.Status, fault.RetryAfter);
            }

            if (route == FakeRoute.Search && searchLimit > _failSearchesAboveLimit)
            {
                return (_failSearchesAboveLimitStatus, null);
            }

            return null;
        }
    }

    internal bool TakeEmptyPage()
    {
        lock (_gate)
        {
            if (_emptyPagesWithNext == 0)
            {
                return false;
            }

            _emptyPagesWithNext--;
            return true;
        }
    }

    private void Enqueue(Fault fault, int times)
    {
        lock (_gate)
        {
            _queue.AddRange(Enumerable.Repeat(fault, times));
        }
    }

    private sealed record Fault(int Status, FakeRoute Route, TimeSpan? RetryAfter);
}
