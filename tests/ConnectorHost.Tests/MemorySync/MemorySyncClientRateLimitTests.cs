using System.Globalization;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;
using ConnectorHost.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Tests.MemorySync;

/// <summary>
/// 429 answers: how long the client waits (Retry-After as seconds, as an HTTP-date, from the body, or backed off),
/// the 120-second limit, the strict quota, and the client-wide gate. Time is a <see cref="FakeTimeProvider"/>, so
/// nothing here really waits.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncClientRateLimitTests
{
    private const string Created = """{"id":1,"text":"A memory worth keeping."}""";
    private const string RateLimited = """{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded (per-minute)."}}""";

    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryItem s_item = new() { Text = "A memory worth keeping." };

    [Test]
    public async Task AddAsync_429WithRetryAfterSeconds_HoldsThatLongThenRetriesTheSameRequest()
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, RateLimited, "req_429").WithHeader("Retry-After", "30"))
            .Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, timeProvider: time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await harness.WaitUntilHeldAsync(server, sent: 1);

        harness.Client.RateLimitedUntil.Should().Be(s_start + TimeSpan.FromSeconds(30));
        server.Received.Should().HaveCount(1);
        time.Advance(TimeSpan.FromSeconds(30));
        var result = await call;

        result.Status.Should().Be(MemoryWriteStatus.Created);
        server.Received.Should().HaveCount(2);
        server.Received[1].Body.Should().Equal(server.Received[0].Body);
        server.Received[1].Header("Idempotency-Key").Should().Be(server.Received[0].Header("Idempotency-Key"));
        harness.Logs.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning && e.Message.Contains("holding every request for 30 s", StringComparison.Ordinal))
            .Which.Message.Should().Contain("req_429");
    }

    [Test]
    public async Task AddAsync_429WithRetryAfterHttpDate_HoldsUntilThatDate()
    {
        var time = new FakeTimeProvider(s_start);
        var date = (s_start + TimeSpan.FromSeconds(45)).ToString("R", CultureInfo.InvariantCulture);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, RateLimited).WithHeader("Retry-After", date))
            .Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, timeProvider: time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await harness.WaitUntilHeldAsync(server, sent: 1);

        harness.Gate.HoldingUntil.Should().Be(s_start + TimeSpan.FromSeconds(45));
        time.Advance(TimeSpan.FromSeconds(45));
        (await call).Status.Should().Be(MemoryWriteStatus.Created);
    }

    [TestCase("""{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Try again in 12 seconds.","retry_after":12}}""", 12)]
    [TestCase("""{"detail":"Too many requests","retry_after_seconds":7}""", 7)]
    [TestCase("""{"error":"RateLimitExceeded","message":"slow down","retry_after":"9"}""", 9)]
    public async Task AddAsync_429WithWaitOnlyInTheBody_HoldsForTheBodysWait(string body, int seconds)
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, body)).Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, timeProvider: time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await harness.WaitUntilHeldAsync(server, sent: 1);

        harness.Gate.HoldingUntil.Should().Be(s_start + TimeSpan.FromSeconds(seconds));
        time.Advance(TimeSpan.FromSeconds(seconds));
        (await call).Status.Should().Be(MemoryWriteStatus.Created);
    }

    [Test]
    public async Task AddAsync_429WithoutAnyWait_HoldsForTheBackOffDelay()
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, RateLimited)).Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(
            server.BaseAddress, o => o.RetryBaseDelay = TimeSpan.FromSeconds(2), time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await harness.WaitUntilHeldAsync(server, sent: 1);

        harness.Gate.HoldingUntil.Should().Be(s_start + TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2));
        (await call).Status.Should().Be(MemoryWriteStatus.Created);
    }

    [TestCase(119)]
    [TestCase(120)]
    public async Task AddAsync_RetryAfterUpToTheMaximum_WaitsAndSucceeds(int seconds)
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, RateLimited).WithHeader("Retry-After", seconds.ToString(CultureInfo.InvariantCulture)))
            .Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, timeProvider: time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        await harness.WaitUntilHeldAsync(server, sent: 1);
        time.Advance(TimeSpan.FromSeconds(seconds));
        var result = await call;

        result.Status.Should().Be(MemoryWriteStatus.Created);
        server.Received.Should().HaveCount(2);
    }

    [Test]
    public async Task AddAsync_RetryAfterOverTheMaximum_ThrowsAtOnceAndRefusesLaterCallsUntilThen()
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, RateLimited, "req_long").WithHeader("Retry-After", "121"))
            .Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, timeProvider: time);

        var first = await harness.ThrowsAsync<MemorySyncRateLimitException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        first.RetryAfter.Should().Be(TimeSpan.FromSeconds(121));
        first.RequestId.Should().Be("req_long");
        first.ErrorCode.Should().Be("RATE_LIMIT_EXCEEDED");
        first.IsQuota.Should().BeFalse();
        first.IsTransient.Should().BeTrue();
        server.Received.Should().HaveCount(1, "a wait over the maximum is not waited out");

        time.Advance(TimeSpan.FromSeconds(100));
        var refused = await harness.ThrowsAsync<MemorySyncRateLimitException>(
            client => client.BulkAddAsync("ops-team", [s_item], null, CancellationToken.None));

        refused.RetryAfter.Should().Be(TimeSpan.FromSeconds(21), "it carries what remains of the wait");
        refused.RequestId.Should().Be("req_long");
        refused.Operation.Should().Be("POST /memory/bulk-add");
        server.Received.Should().HaveCount(1, "refused calls are not sent");

        time.Advance(TimeSpan.FromSeconds(21));
        var result = await harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        result.Status.Should().Be(MemoryWriteStatus.Created);
    }

    [Test]
    public async Task AddAsync_StrictMonthlyQuota_ThrowsQuotaAtOnceWithoutHoldingTheClient()
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, """{"detail":{"error":"limit_exceeded","message":"Monthly add quota reached"}}"""))
            .Then(ScriptedResponse.Json(201, Created));
        await using var harness = ClientHarness.Create(server.BaseAddress, timeProvider: time);

        var failure = await harness.ThrowsAsync<MemorySyncRateLimitException>(
            client => client.AddAsync("ops-team", s_item, null, CancellationToken.None));

        failure.IsQuota.Should().BeTrue();
        failure.RetryAfter.Should().BeNull("the quota answer names no wait");
        failure.ErrorCode.Should().Be("limit_exceeded");
        failure.ServerMessage.Should().Be("Monthly add quota reached");
        server.Received.Should().HaveCount(1, "waiting does not help a monthly quota");
        harness.Gate.HoldingUntil.Should().BeNull();
        (await harness.Client.GetAsync("ops-team", 1, CancellationToken.None)).Id.Should().Be(1, "other calls still go out");
    }

    [Test]
    public async Task AddAsync_429PersistsThroughEveryRetry_ThrowsRateLimitWithTheLastWait()
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Fallback = _ => ScriptedResponse.Json(429, RateLimited).WithHeader("Retry-After", "5");
        await using var harness = ClientHarness.Create(server.BaseAddress, o => o.MaxRetries = 2, time);

        var call = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await harness.WaitUntilHeldAsync(server, sent: attempt);
            time.Advance(TimeSpan.FromSeconds(5));
        }

        var failure = await harness.ThrowsAsync<MemorySyncRateLimitException>(_ => call);
        failure.RetryAfter.Should().Be(TimeSpan.FromSeconds(5));
        server.Received.Should().HaveCount(3);
    }

    [Test]
    public async Task AddAsync_OneCallWaitsOutA429_EveryOtherCallHoldsBackUntilItEnds()
    {
        var time = new FakeTimeProvider(s_start);
        await using var server = await ScriptedServer.StartAsync();
        server.Then(ScriptedResponse.Json(429, RateLimited).WithHeader("Retry-After", "20"));
        server.Fallback = _ => ScriptedResponse.Json(201, Created);
        await using var harness = ClientHarness.Create(server.BaseAddress, timeProvider: time);

        Task<MemoryAddResult> first;
        using (MemorySyncLane.Enter("wiki"))
        {
            first = harness.Client.AddAsync("ops-team", s_item, null, CancellationToken.None);
        }

        await harness.WaitUntilHeldAsync(server, sent: 1, lane: "wiki");
        var others = new List<Task<MemoryAddResult>>();
        using (MemorySyncLane.Enter("tasks"))
        {
            for (var i = 0; i < 3; i++)
            {
                others.Add(harness.Client.AddAsync("ops-team", s_item with { Text = $"Another memory {i}" }, null, CancellationToken.None));
            }
        }

        await Eventually.TrueAsync(() => harness.Lanes.QueueLengths.GetValueOrDefault("tasks") == 3, "the other calls queue up");
        server.Received.Should().HaveCount(1, "nothing else goes out while the client holds back");
        others.Should().OnlyContain(task => !task.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(20));
        await Task.WhenAll(others.Append(first));

        server.Received.Should().HaveCount(5);
        harness.Lanes.QueueLengths.Should().BeEmpty();
    }
}
