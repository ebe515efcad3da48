using System.Threading.RateLimiting;
using ConnectorHost.MemorySync;

namespace ConnectorHost.Tests.MemorySync;

[Parallelizable(ParallelScope.All)]
public sealed class AccountRateLimiterTests
{
    public static IEnumerable<TestCaseData> PublishedLimits()
    {
        foreach (var tier in new[] { MemorySyncTier.Free, MemorySyncTier.Pro, MemorySyncTier.Enterprise })
        {
            var limits = MemorySyncLimits.ForTier(tier)!;
            yield return new TestCaseData(limits.PerSecond!.Value, TimeSpan.FromSeconds(1)).SetArgDisplayNames(tier.ToString(), "second");
            yield return new TestCaseData(limits.PerMinute!.Value, TimeSpan.FromMinutes(1)).SetArgDisplayNames(tier.ToString(), "minute");
            yield return new TestCaseData(limits.PerHour!.Value, TimeSpan.FromHours(1)).SetArgDisplayNames(tier.ToString(), "hour");
        }
    }

    [TestCaseSource(nameof(PublishedLimits))]
    public void BucketFor_PublishedLimit_NeverLetsMoreThanTheLimitIntoAnyWindow(int limit, TimeSpan window)
    {
        var bucket = AccountRateLimiter.BucketFor(limit, window);

        // A full bucket plus every refill that can fall inside one window.
        var refillsInWindow = Math.Ceiling(window / bucket.ReplenishmentPeriod) * bucket.TokensPerPeriod;
        (bucket.TokenLimit + refillsInWindow).Should().BeLessThanOrEqualTo(limit);
    }

    [TestCaseSource(nameof(PublishedLimits))]
    public void BucketFor_PublishedLimit_KeepsMostOfTheLimitUsable(int limit, TimeSpan window)
    {
        var bucket = AccountRateLimiter.BucketFor(limit, window);

        var sustained = window / bucket.ReplenishmentPeriod * bucket.TokensPerPeriod;
        // The one-second window gives up most (it never bounds steady throughput; the hour does).
        (sustained / limit).Should().BeGreaterThan(window >= TimeSpan.FromMinutes(1) ? 0.85 : 0.35);
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

        limiter.Should().BeOfType<TokenBucketRateLimiter>();
        limiter!.AttemptAcquire().IsAcquired.Should().BeTrue("a burst of 5 % of 20 is one request");
        limiter.AttemptAcquire().IsAcquired.Should().BeFalse();
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

        limiter.Should().NotBeNull().And.NotBeOfType<TokenBucketRateLimiter>();
        limiter!.AttemptAcquire().IsAcquired.Should().BeTrue();
        limiter.AttemptAcquire().IsAcquired.Should().BeFalse("the per-second bucket holds one request");
    }
}
