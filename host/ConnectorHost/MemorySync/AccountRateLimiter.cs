using System.Threading.RateLimiting;

namespace ConnectorHost.MemorySync;

/// <summary>
/// Builds the client-side limiter that keeps the host under the account's limits, so that in steady state the
/// service never has to answer 429.
/// </summary>
/// <remarks>
/// The service counts requests in exact sliding windows (per second, minute and hour; all must pass). A token bucket
/// of size B refilled at rate r lets at most B + r·W requests into any window of length W, wherever the window
/// falls, so each window gets a bucket with B + r·W kept at the limit: a small burst (5 % of the limit) and a steady
/// rate 3 % under the rest, counted over the window plus a quarter second. The service counts arrivals while the
/// limiter counts departures, and a request that leaves late (a new connection, a busy thread pool) arrives among
/// later ones; the quarter second absorbs that where it matters, in the one-second window, and costs nothing in the
/// longer windows that bound steady throughput. (A segmented sliding window limiter would let up to one extra
/// segment's worth through at the service's exact windows.)
/// </remarks>
internal static class AccountRateLimiter
{
    private const double BurstShare = 0.05;
    private const double RateMargin = 0.97;

    private static readonly TimeSpan s_departureSlack = TimeSpan.FromMilliseconds(250);

    /// <summary>Creates the limiter for the configured limits.</summary>
    /// <param name="options">The client options.</param>
    /// <returns>The limiter, or <see langword="null"/> when there is no limit to keep.</returns>
    public static RateLimiter? Create(MemorySyncOptions options)
    {
        var tier = MemorySyncLimits.ForTier(options.Tier);
        var limits = options.Limits is { } overrides ? overrides.Over(tier) : tier;
        if (limits is null)
        {
            return null;
        }

        // Longest window first: the chain takes permits in order, so the per-second permit, the one whose timing
        // matters most, is taken last, right before the request goes out.
        var buckets = new List<RateLimiter>(3);
        AddBucket(buckets, limits.PerHour, TimeSpan.FromHours(1));
        AddBucket(buckets, limits.PerMinute, TimeSpan.FromMinutes(1));
        AddBucket(buckets, limits.PerSecond, TimeSpan.FromSeconds(1));
        return buckets.Count switch
        {
            0 => null,
            1 => buckets[0],
            _ => RateLimiter.CreateChained([.. buckets]),
        };
    }

    /// <summary>The bucket that keeps <paramref name="limit"/> requests per <paramref name="window"/>.</summary>
    /// <param name="limit">The service's limit over the window.</param>
    /// <param name="window">The window.</param>
    /// <returns>The bucket's options.</returns>
    internal static TokenBucketRateLimiterOptions BucketFor(int limit, TimeSpan window)
    {
        var burst = Math.Max(1, (int)Math.Ceiling(limit * BurstShare));
        // A limit of 1 leaves nothing to refill within the bound; one refill per window is the closest a bucket gets.
        var refillsPerWindow = Math.Max(1, limit - burst) * RateMargin;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = (window + s_departureSlack) / refillsPerWindow,
            AutoReplenishment = true,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            // Only the fair-lane pump acquires, one permit at a time.
            QueueLimit = 1,
        };
    }

    private static void AddBucket(List<RateLimiter> buckets, int? limit, TimeSpan window)
    {
        if (limit is { } value)
        {
            buckets.Add(new TokenBucketRateLimiter(BucketFor(value, window)));
        }
    }
}
