using System.Threading.RateLimiting;
using ConnectorHost.MemorySync;

namespace ConnectorHost.Tests.MemorySync;

[Parallelizable(ParallelScope.All)]
public sealed class AccountRateLimiterTests
{
    private static readonly MemorySyncTier[] s_limitedTiers = [MemorySyncTier.Free, MemorySyncTier.Pro, MemorySyncTier.Enterprise];

    public static IEnumerable<TestCaseData> PublishedSecondLimits() =>
        s_limitedTiers.Select(tier => new TestCaseData(MemorySyncLimits.ForTier(tier)!.PerSecond!.Value).SetArgDisplayNames(tier.ToString()));

    public static IEnumerable<TestCaseData> PublishedLongLimits()
    {
        foreach (var tier in s_limitedTiers)
        {
            var limits = MemorySyncLimits.ForTier(tier)!;
            yield return new TestCaseData(limits.PerMinute!.Value, TimeSpan.FromMinutes(1)).SetArgDisplayNames(tier.ToString(), "minute");
            yield return new TestCaseData(limits.PerHour!.Value, TimeSpan.FromHours(1)).SetArgDisplayNames(tier.ToString(), "hour");
        }
    }

    [TestCaseSource(nameof(PublishedSecondLimits))]
    public void WindowFor_PublishedLimit_CountsEveryDepartureOfASecondAndTheSlackAtOnce(int limit)
    {
        var options = AccountRateLimiter.WindowFor(limit, TimeSpan.FromSeconds(1));

        // A stretch of time touches at most ⌈length / segment⌉ + 1 segments; the window must span them all.
        var segment = options.Window / options.SegmentsPerWindow;
        var touched = Math.Ceiling((TimeSpan.FromSeconds(1) + AccountRateLimiter.ArrivalSlack) / segment) + 1;
        options.SegmentsPerWindow.Should().BeGreaterThanOrEqualTo((int)touched);
        options.PermitLimit.Should().BeLessThanOrEqualTo(limit);
    }

    [TestCaseSource(nameof(PublishedSecondLimits))]
    public void WindowFor_PublishedLimit_KeepsNineTenthsOfTheLimitUsable(int limit)
    {
        var options = AccountRateLimiter.WindowFor(limit, TimeSpan.FromSeconds(1));

        var sustainedPerSecond = options.PermitLimit / options.Window.TotalSeconds;
        (sustainedPerSecond / limit).Should().BeGreaterThan(0.9);
    }

    [TestCaseSource(nameof(PublishedLongLimits))]
    public void BucketFor_PublishedLimit_NeverLetsMoreThanTheLimitIntoAnyWindow(int limit, TimeSpan window)
    {
        var bucket = AccountRateLimiter.BucketFor(limit, window);

        // A full bucket plus every refill that can fall inside one window and the slack of a late arrival.
        var refillsInWindow = Math.Ceiling((window + AccountRateLimiter.ArrivalSlack) / bucket.ReplenishmentPeriod) * bucket.TokensPerPeriod;
        (bucket.TokenLimit + refillsInWindow).Should().BeLessThanOrEqualTo(limit);
    }

    [TestCaseSource(nameof(PublishedLongLimits))]
    public void BucketFor_PublishedLimit_KeepsMostOfTheLimitUsable(int limit, TimeSpan window)
    {
        var bucket = AccountRateLimiter.BucketFor(limit, window);

        var sustained = window / bucket.ReplenishmentPeriod * bucket.TokensPerPeriod;
        (sustained / limit).Should().BeGreaterThan(0.85);
    }

    [Test]
    public void Create_Unlimited_HasNoClientLimit()
    {
        AccountRateLimiter.Create(new MemorySyncOptions { Tier = MemorySyncTier.Unlimited }).Should().BeNull();
    }

    [Test]
    public void Create_LimitsOverride_ReplaceTheTiersLimits()
    {
        using var limiter = AccountRateLimiter.Create(new MemorySyncOptions
        {
            Tier = MemorySyncTier.Unlimited,
            Limits = new MemorySyncLimits { PerSecond = 20 },
        });

        limiter.Should().BeOfType<SlidingWindowRateLimiter>();
        var granted = Enumerable.Range(0, 30).Count(_ => limiter!.AttemptAcquire().IsAcquired);
        granted.Should().Be(20, "the overridden per-second window lets 20 through at once and no more");
    }

    [Test]
    public void Create_OverrideOfOneWindow_KeepsTheTiersOtherWindows()
    {
        using var limiter = AccountRateLimiter.Create(new MemorySyncOptions
        {
            Tier = MemorySyncTier.Free,
            Limits = new MemorySyncLimits { PerSecond = 1_000 },
        });

        // Free allows 30 a minute: a burst of 5 % of that (2) passes, then the minute window holds the rest back,
        // although the overridden per-second window would allow far more.
        var granted = Enumerable.Range(0, 10).Count(_ => limiter!.AttemptAcquire().IsAcquired);

        granted.Should().Be(2);
    }

    [Test]
    public void Create_Pro_ChainsTheThreeWindows()
    {
        using var limiter = AccountRateLimiter.Create(new MemorySyncOptions { Tier = MemorySyncTier.Pro });

        limiter.Should().NotBeNull().And.NotBeOfType<TokenBucketRateLimiter>().And.NotBeOfType<SlidingWindowRateLimiter>();
        var granted = Enumerable.Range(0, 30).Count(_ => limiter!.AttemptAcquire().IsAcquired);
        granted.Should().Be(10, "the per-second window and the minute bucket's burst (5 % of 200) both allow 10 at once");
    }
}
