using System.Net;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MemorySync.Emulator.Tests.Limits;

public sealed class RateLimitTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 5, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task FreeTier_ThirdRequestInOneSecond_Answers429WithRetryAfterAndIsNotProcessed()
    {
        await using var emulator = await TestEmulator.StartAsync(options =>
        {
            options.Tier = EmulatorTier.Free;
            options.TimeProvider = _clock;
        });
        using var client = emulator.CreateClient("u1");
        await client.AddAsync("First memory within the second");
        await client.AddAsync("Second memory within the second");

        using var limited = await client.PostAsync("memory/add", """{"text":"Third memory within the second"}""");

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        var error = (await limited.JsonAsync()).GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("RATE_LIMIT_EXCEEDED");
        error.GetProperty("retry_after").GetInt32().Should().Be(1);
        error.GetProperty("message").GetString().Should().Be("Rate limit exceeded (per-second). Try again in 1 seconds.");
        (await emulator.Admin.GetMemoriesAsync()).Should().HaveCount(2);
        (await emulator.Admin.GetCountersAsync()).RateLimited.Should().Be(1);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await client.AddAsync("Third memory after the window slid");
    }

    [TestCase(EmulatorTier.Free)]
    [TestCase(EmulatorTier.Pro)]
    [TestCase(EmulatorTier.Enterprise)]
    public async Task Tier_AdmitsItsPerSecondLimitThenAnswers429(EmulatorTier tier)
    {
        await using var emulator = await TestEmulator.StartAsync(options =>
        {
            options.Tier = tier;
            options.TimeProvider = _clock;
        });
        using var client = emulator.CreateClient("u1");
        var limit = RateLimits.ForTier(tier).PerSecond;

        var statuses = new List<int>();
        for (var i = 0; i <= limit; i++)
        {
            using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");
            statuses.Add((int)response.StatusCode);
        }

        statuses.Take(limit).Should().OnlyContain(status => status == 200);
        statuses[limit].Should().Be(429);
    }

    [Test]
    public async Task MinuteWindow_RefusesUntilTheOldestRequestLeavesIt()
    {
        await using var emulator = await TestEmulator.StartAsync(options =>
        {
            options.Limits = new RateLimits(100, 3, 1000);
            options.TimeProvider = _clock;
        });
        using var client = emulator.CreateClient("u1");
        for (var i = 0; i < 3; i++)
        {
            using var admitted = await client.PostAsync("memory/query", """{"query":"anything"}""");
            admitted.StatusCode.Should().Be(HttpStatusCode.OK);
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        using var limited = await client.PostAsync("memory/query", """{"query":"anything"}""");
        _clock.Advance(TimeSpan.FromSeconds(29));
        using var stillLimited = await client.PostAsync("memory/query", """{"query":"anything"}""");
        _clock.Advance(TimeSpan.FromSeconds(1));
        using var admittedAgain = await client.PostAsync("memory/query", """{"query":"anything"}""");

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(30));
        (await limited.JsonAsync()).GetProperty("error").GetProperty("message").GetString().Should().Contain("per-minute");
        stillLimited.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        admittedAgain.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task HourWindow_AnswersRetryAfterInSecondsUntilTheHourSlides()
    {
        await using var emulator = await TestEmulator.StartAsync(options =>
        {
            options.Limits = new RateLimits(100, 100, 2);
            options.TimeProvider = _clock;
        });
        using var client = emulator.CreateClient("u1");
        using (await client.PostAsync("memory/query", """{"query":"anything"}"""))
        using (await client.PostAsync("memory/query", """{"query":"anything"}"""))
        {
        }

        _clock.Advance(TimeSpan.FromMinutes(10));
        using var limited = await client.PostAsync("memory/query", """{"query":"anything"}""");

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromMinutes(50));
        (await limited.JsonAsync()).GetProperty("error").GetProperty("message").GetString().Should().Contain("per-hour");
    }

    [Test]
    public async Task Limits_ArePerApiKey()
    {
        await using var emulator = await TestEmulator.StartAsync(options =>
        {
            options.ApiKeys = ["ms_key_one", "ms_key_two"];
            options.Limits = new RateLimits(1, 100, 1000);
            options.TimeProvider = _clock;
        });
        using var one = new HttpClient { BaseAddress = emulator.BaseAddress };
        one.DefaultRequestHeaders.Add("X-API-Key", "ms_key_one");
        one.DefaultRequestHeaders.Add("X-End-User-ID", "u1");
        using var two = new HttpClient { BaseAddress = emulator.BaseAddress };
        two.DefaultRequestHeaders.Add("X-API-Key", "ms_key_two");
        two.DefaultRequestHeaders.Add("X-End-User-ID", "u1");

        using var first = await one.PostAsync("memory/query", """{"query":"anything"}""");
        using var secondOfOne = await one.PostAsync("memory/query", """{"query":"anything"}""");
        using var firstOfTwo = await two.PostAsync("memory/query", """{"query":"anything"}""");

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        secondOfOne.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        firstOfTwo.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Tier_ChangedThroughAdmin_AppliesAtOnce()
    {
        await using var emulator = await TestEmulator.StartAsync(options => options.TimeProvider = _clock);
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.SetTierAsync(EmulatorTier.Free);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");
            statuses.Add(response.StatusCode);
        }

        statuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        (await emulator.Admin.GetSettingsAsync()).Limits.Should().Be(RateLimits.ForTier(EmulatorTier.Free));
    }
}
