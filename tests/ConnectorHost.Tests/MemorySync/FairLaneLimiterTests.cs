using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using ConnectorHost.MemorySync;
using ConnectorHost.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Tests.MemorySync;

/// <summary>The fair limiter on its own, with a limiter that hands out permits only when the test says.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class FairLaneLimiterTests
{
    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task WaitTurnAsync_TwoLanesWaiting_ServesThemInTurn()
    {
        using var permits = new ManualLimiter();
        using var lanes = new FairLaneLimiter(permits, new RetryAfterGate(TimeProvider.System, TimeSpan.FromMinutes(2)));
        var served = new ConcurrentQueue<string>();
        var waiting = new List<Task>();
        for (var i = 0; i < 5; i++)
        {
            waiting.Add(Serve(lanes, "initial-sync", served));
        }

        for (var i = 0; i < 2; i++)
        {
            waiting.Add(Serve(lanes, "small", served));
        }

        lanes.QueueLengths.Should().BeEquivalentTo(new Dictionary<string, int> { ["initial-sync"] = 5, ["small"] = 2 });
        for (var i = 1; i <= 7; i++)
        {
            permits.Release();
            var count = i;
            await Eventually.TrueAsync(() => served.Count == count, $"permit {count} is handed out");
        }

        served.Should().Equal("initial-sync", "small", "initial-sync", "small", "initial-sync", "initial-sync", "initial-sync");
        await Task.WhenAll(waiting);
        lanes.QueueLengths.Should().BeEmpty();
    }

    [Test]
    public async Task WaitTurnAsync_WaiterCancelled_ItsPermitGoesToTheNextWaiter()
    {
        using var permits = new ManualLimiter();
        using var lanes = new FairLaneLimiter(permits, new RetryAfterGate(TimeProvider.System, TimeSpan.FromMinutes(2)));
        using var cancel = new CancellationTokenSource();
        var first = lanes.WaitTurnAsync("a", cancel.Token).AsTask();
        var second = lanes.WaitTurnAsync("a", CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await first.Awaiting(t => t).Should().ThrowAsync<OperationCanceledException>();
        lanes.QueueLengths.Should().BeEquivalentTo(new Dictionary<string, int> { ["a"] = 1 });
        permits.Release();

        using var lease = await second;
        lease.IsAcquired.Should().BeTrue();
    }

    [Test]
    public async Task WaitTurnAsync_GateHolds_NoPermitIsHandedOutUntilItOpens()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new RetryAfterGate(time, TimeSpan.FromMinutes(2));
        using var lanes = new FairLaneLimiter(null, gate);
        gate.Hold(new RateLimitRefusal(TimeSpan.FromSeconds(10), "req_1", null, null)).Should().BeTrue();

        var waiter = lanes.WaitTurnAsync("a", CancellationToken.None).AsTask();
        await Eventually.TrueAsync(() => lanes.QueueLengths.GetValueOrDefault("a") == 1, "the request waits");
        time.Advance(TimeSpan.FromSeconds(9));
        lanes.QueueLengths.Should().ContainKey("a");
        time.Advance(TimeSpan.FromSeconds(1));

        using var lease = await waiter;
        lease.IsAcquired.Should().BeTrue();
    }

    [Test]
    public async Task WaitTurnAsync_GateRefusesWhileRequestsWait_FailsThemAllWithoutAPermit()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new RetryAfterGate(time, TimeSpan.FromMinutes(2));
        using var permits = new ManualLimiter();
        using var lanes = new FairLaneLimiter(permits, gate);
        var waiters = new[] { lanes.WaitTurnAsync("a", CancellationToken.None).AsTask(), lanes.WaitTurnAsync("b", CancellationToken.None).AsTask() };
        await Eventually.TrueAsync(() => lanes.QueueLengths.Count == 2, "both wait");

        gate.Hold(new RateLimitRefusal(TimeSpan.FromMinutes(10), "req_long", "RATE_LIMIT_EXCEEDED", null)).Should().BeFalse();
        permits.Release();

        foreach (var waiter in waiters)
        {
            var refused = (await waiter.Awaiting(w => w).Should().ThrowAsync<RateLimitRefusedException>()).Which;
            refused.Refusal.RequestId.Should().Be("req_long");
        }

        var late = () => lanes.WaitTurnAsync("c", CancellationToken.None).AsTask();
        await late.Should().ThrowAsync<RateLimitRefusedException>("calls are refused without queueing until the wait ends");
    }

    [Test]
    public async Task WaitTurnAsync_AfterDispose_Throws()
    {
        var lanes = new FairLaneLimiter(null, new RetryAfterGate(TimeProvider.System, TimeSpan.FromMinutes(2)));
        lanes.Dispose();

        var call = () => lanes.WaitTurnAsync("a", CancellationToken.None).AsTask();

        await call.Should().ThrowAsync<ObjectDisposedException>();
    }

    private static async Task Serve(FairLaneLimiter lanes, string lane, ConcurrentQueue<string> served)
    {
        using var lease = await lanes.WaitTurnAsync(lane, CancellationToken.None);
        served.Enqueue(lane);
    }

    /// <summary>A limiter whose permits the test hands out one by one.</summary>
    private sealed class ManualLimiter : RateLimiter
    {
        private readonly SemaphoreSlim _permits = new(0);

        public override TimeSpan? IdleDuration => null;

        public void Release() => _permits.Release();

        public override RateLimiterStatistics? GetStatistics() => null;

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => throw new NotSupportedException();

        protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        {
            await _permits.WaitAsync(cancellationToken);
            return new Lease();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _permits.Dispose();
            }

            base.Dispose(disposing);
        }

        private sealed class Lease : RateLimitLease
        {
            public override bool IsAcquired => true;

            public override IEnumerable<string> MetadataNames => [];

            public override bool TryGetMetadata(string metadataName, out object? metadata)
            {
                metadata = null;
                return false;
            }
        }
    }
}
