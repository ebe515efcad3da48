using System.Threading.RateLimiting;

namespace ConnectorHost.MemorySync;

/// <summary>
/// Builds the client-side limiter that keeps the host under the account's limits, so that in steady state the
/// service never has to answer 429.
/// </summary>
/// <remarks>
/// The service counts requests in exact sliding windows (per second, minute and hour; all must pass).
/// <para>
/// The one-second window is kept with a segmented sliding window: <see cref="WindowFor"/> lets the limit through in
/// any stretch of a second plus <see cref="ArrivalSlack"/>, so requests can arrive up to that much later than they
/// left (a new connection, a busy thread pool) and still never make the service count more than the limit in one
/// of its seconds. It keeps about 94 % of the limit usable, and this is the window that bounds a short burst of
/// batches.
/// </para>
/// <para>
/// The minute and hour windows, where a few permits more or less do not matter and a segment per few milliseconds
/// would be wasteful, get a token bucket of size B refilled at rate r: it lets at most B + r·W requests into any
/// window of length W, wherever the window falls, so B + r·W is kept under the limit with a small burst (5 % of
/// the limit) and a steady rate 3 % under the rest.
/// </para>
/// </remarks>
internal static class AccountRateLimiter
{
    private const double BurstShare = 0.05;
    private const double RateMargin = 0.97;

    /// <summary>How much later than it left a request may reach the service without breaking its one-second window.</summary>
    internal static readonly TimeSpan ArrivalSlack = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan s_segment = TimeSpan.FromMilliseconds(10);

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
        if (limits.PerSecond is { } perSecond)
        {
            buckets.Add(new SlidingWindowRateLimiter(WindowFor(perSecond, TimeSpan.FromSeconds(1))));
        }

        return buckets.Count switch
        {
            0 => null,
            1 => buckets[0],
            _ => RateLimiter.CreateChained([.. buckets]),
        };
    }

    /// <summary>The sliding window that keeps <paramref name="limit"/> requests per <paramref name="window"/>.</summary>
    /// <param name="limit">The service's limit over the window.</param>
    /// <param name="window">The service's window.</param>
    /// <returns>The window's options.</returns>
    /// <remarks>
    /// A stretch of time of length L touches at most ⌈L / segment⌉ + 1 segments, so a window of that many segments
    /// for L = <paramref name="window"/> + <see cref="ArrivalSlack"/> counts every departure of the stretch at once.
    /// </remarks>
    internal static SlidingWindowRateLimiterOptions WindowFor(int limit, TimeSpan window)
    {
        var segments = (int)Math.Ceiling((window + ArrivalSlack) / s_segment) + 1;
        return new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = s_segment * segments,
            SegmentsPerWindow = segments,
            AutoReplenishment = true,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            // Only the fair-lane pump acquires, one permit at a time.
            QueueLimit = 1,
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
            ReplenishmentPeriod = (window + ArrivalSlack) / refillsPerWindow,
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
