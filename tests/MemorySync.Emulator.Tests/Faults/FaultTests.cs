using System.Net;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MemorySync.Emulator.Tests.Faults;

public sealed class FaultTests
{
    [Test]
    public async Task Error_BeforeProcessing_AnswersTheStatusAndStoresNothing()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.AddFaultAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.Error, Statuses = [503] });

        using var response = await client.PostAsync("memory/add", """{"text":"Struck before processing"}""");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().Should().Be("SERVICE_UNAVAILABLE");
        (await emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
        (await emulator.Admin.GetCountersAsync()).FaultsInjected.Should().Be(1);
    }

    [Test]
    public async Task Error_AfterProcessing_StoresAndTheRetryWithTheSameKeyReplaysTheCreation()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Error, Statuses = [502], Phase = FaultPhase.After });
        var body = TestEmulator.Items("Stored although the answer was lost", "Second item of the lost answer");

        using var lost = await client.PostAsync("memory/bulk-add", body, "batch-7");
        using var retried = await client.PostAsync("memory/bulk-add", body, "batch-7");

        lost.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        ((int)retried.StatusCode).Should().Be(207);
        var results = (await retried.JsonAsync()).GetProperty("results");
        results.EnumerateArray().Select(r => r.GetProperty("status").GetString()).Should().Equal("created", "created");
        (await emulator.Admin.GetMemoriesAsync()).Should().HaveCount(2);
    }

    [Test]
    public async Task Drop_BeforeProcessing_ClosesTheConnectionAndStoresNothing()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.Drop });

        var send = () => client.PostAsync("memory/add", """{"text":"Dropped before processing"}""");

        await send.Should().ThrowAsync<HttpRequestException>();
        (await emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
        await Poll.UntilAsync(
            async () => (await emulator.Admin.GetCountersAsync()).Requests.GetValueOrDefault("POST /memory/add")?.ContainsKey("dropped") == true,
            "the dropped request is counted");
    }

    [Test]
    public async Task Drop_AfterProcessing_StoresButAnswersNothing()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.Drop, Phase = FaultPhase.After });

        var send = () => client.PostAsync("memory/add", """{"text":"Dropped after processing"}""");

        await send.Should().ThrowAsync<HttpRequestException>();
        (await emulator.Admin.GetMemoriesAsync()).Select(m => m.Text).Should().Equal("Dropped after processing");
    }

    [Test]
    public async Task RateLimit_AnswersRetryAfterFromTheRange()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.AddFaultAsync(new FaultRule { Kind = FaultKind.RateLimit, RetryAfterSeconds = 2, RetryAfterMaxSeconds = 4, Count = 20 });

        var waits = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");
            response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            var seconds = (int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
            (await response.JsonAsync()).GetProperty("error").GetProperty("retry_after").GetInt32().Should().Be(seconds);
            waits.Add(seconds);
        }

        waits.Should().OnlyContain(s => s >= 2 && s <= 4);
        waits.Distinct().Should().HaveCountGreaterThan(1);
        using var afterCount = await client.PostAsync("memory/query", """{"query":"anything"}""");
        afterCount.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task RateLimit_AsHttpDate_WritesRetryAfterAsADate()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 5, 12, 0, 0, TimeSpan.Zero));
        await using var emulator = await TestEmulator.StartAsync(options => options.TimeProvider = clock);
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Kind = FaultKind.RateLimit, RetryAfterSeconds = 90, RetryAfterAsHttpDate = true });

        using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Date.Should().Be(clock.GetUtcNow().AddSeconds(90));
        (await response.JsonAsync()).GetProperty("error").GetProperty("retry_after").GetInt32().Should().Be(90);
    }

    [Test]
    public async Task RateLimit_AfterProcessing_StoresButAnswers429()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.RateLimit, Phase = FaultPhase.After });

        using var response = await client.PostAsync("memory/add", """{"text":"Stored, then answered 429"}""");

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await emulator.Admin.GetMemoriesAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task Script_StrikesTheNextRequestsInOrderThenLetsThemThrough()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.ScriptFaultsAsync(
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Error, Statuses = [503], Count = 3 },
            new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.RateLimit, RetryAfterSeconds = 2 });

        using var unaffected = await client.PostAsync("memory/query", """{"query":"anything"}""");
        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.PostAsync("memory/bulk-add", TestEmulator.Items($"Scripted batch attempt {i}"));
            statuses.Add((int)response.StatusCode);
            if (i == 3)
            {
                response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(2));
            }
        }

        unaffected.StatusCode.Should().Be(HttpStatusCode.OK);
        statuses.Should().Equal(503, 503, 503, 429, 207);
        (await emulator.Admin.GetFaultsAsync()).Script.Should().BeEmpty();
    }

    [Test]
    public async Task Latency_HoldsTheAnswerUntilTheClockAdvances()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 5, 12, 0, 0, TimeSpan.Zero));
        await using var emulator = await TestEmulator.StartAsync(options => options.TimeProvider = clock);
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.ScriptFaultsAsync(new FaultRule { Route = "/memory/add", Kind = FaultKind.Latency, LatencyMs = 5000 });

        var pending = client.PostAsync("memory/add", """{"text":"Answered after a latency spike"}""");
        await Poll.UntilAsync(async () => (await emulator.Admin.GetFaultsAsync()).Script.Count == 0, "the latency fault struck");
        pending.IsCompleted.Should().BeFalse();

        // The fault struck, but its delay may start a moment later, after an advance it would not see: advance until
        // the answer comes.
        await Poll.UntilAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromSeconds(5));
                return Task.FromResult(pending.IsCompleted);
            },
            "the answer came after the clock advanced");
        using var response = await pending;

        response.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Test]
    public async Task Probability_WithTheSameSeed_StrikesTheSameRequests()
    {
        async Task<string> PatternAsync(int seed)
        {
            await using var emulator = await TestEmulator.StartAsync(options => options.Seed = seed);
            using var client = emulator.CreateClient("u1");
            await emulator.Admin.AddFaultAsync(new FaultRule { Route = "/memory/query", Kind = FaultKind.Error, Probability = 0.5 });
            var pattern = new char[40];
            for (var i = 0; i < pattern.Length; i++)
            {
                using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");
                pattern[i] = response.IsSuccessStatusCode ? '.' : 'x';
            }

            return new string(pattern);
        }

        var first = await PatternAsync(7);
        var again = await PatternAsync(7);
        var other = await PatternAsync(8);

        again.Should().Be(first);
        other.Should().NotBe(first);
        first.Count(c => c == 'x').Should().BeInRange(8, 32);
    }

    [Test]
    public async Task Rule_ForOneRoute_LeavesOtherRoutesAlone()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.AddFaultAsync(new FaultRule { Route = "/memory/bulk-add", Kind = FaultKind.Error });

        using var add = await client.PostAsync("memory/add", """{"text":"Not struck by the bulk fault"}""");
        using var bulk = await client.PostAsync("memory/bulk-add", TestEmulator.Items("Struck by the bulk fault"));

        add.StatusCode.Should().Be(HttpStatusCode.Created);
        ((int)bulk.StatusCode).Should().BeOneOf(500, 502, 503);
    }

    [Test]
    public async Task InvalidRule_IsRefusedByTheAdminSurface()
    {
        await using var emulator = await TestEmulator.StartAsync();

        var add = () => emulator.Admin.AddFaultAsync(new FaultRule { Probability = 2 });

        (await add.Should().ThrowAsync<HttpRequestException>()).Which.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task ClearFaults_RemovesEveryRule()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");
        await emulator.Admin.AddFaultAsync(new FaultRule { Kind = FaultKind.Error });
        await emulator.Admin.ClearFaultsAsync();

        using var response = await client.PostAsync("memory/query", """{"query":"anything"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
