using ConnectorHost.MemorySync;
using ConnectorHost.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Tests.MemorySync;

[Parallelizable(ParallelScope.All)]
public sealed class RetryAfterGateTests
{
    private static readonly DateTimeOffset s_start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task WaitOpenAsync_Held_ReturnsOnlyOnceTheWaitIsOver()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new RetryAfterGate(time, TimeSpan.FromMinutes(2));
        gate.Hold(Refusal(30)).Should().BeTrue();

        var open = gate.WaitOpenAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(29));
        open.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        await open;
        gate.HoldingUntil.Should().BeNull();
    }

    [Test]
    public void Hold_ShorterWaitAfterALongerOne_KeepsTheLongerWait()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new RetryAfterGate(time, TimeSpan.FromMinutes(2));

        gate.Hold(Refusal(60));
        gate.Hold(Refusal(5));

        gate.HoldingUntil.Should().Be(s_start + TimeSpan.FromSeconds(60));
    }

    [Test]
    public async Task WaitOpenAsync_HoldLengthenedWhileWaiting_WaitsForTheNewEnd()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new RetryAfterGate(time, TimeSpan.FromMinutes(2));
        gate.Hold(Refusal(10));
        var open = gate.WaitOpenAsync(CancellationToken.None);

        gate.Hold(Refusal(40));
        time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => gate.HoldingUntil == s_start + TimeSpan.FromSeconds(40), "the hold is lengthened");
        open.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(30));

        await open;
    }

    [Test]
    public void Hold_OverTheMaximum_RefusesUntilTheWaitEndsWithWhatRemains()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new RetryAfterGate(time, TimeSpan.FromMinutes(2));

        gate.Hold(Refusal(300)).Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(100));

        var refused = gate.Invoking(g => g.ThrowIfRefusing()).Should().Throw<RateLimitRefusedException>().Which;
        refused.Refusal.RetryAfter.Should().Be(TimeSpan.FromSeconds(200));
        refused.Refusal.RequestId.Should().Be("req_gate");
        time.Advance(TimeSpan.FromSeconds(200));
        gate.Invoking(g => g.ThrowIfRefusing()).Should().NotThrow();
    }

    [Test]
    public async Task WaitOpenAsync_RefusedWhileWaiting_ThrowsAtOnce()
    {
        var time = new FakeTimeProvider(s_start);
        var gate = new RetryAfterGate(time, TimeSpan.FromMinutes(2));
        gate.Hold(Refusal(10));
        var open = gate.WaitOpenAsync(CancellationToken.None);

        gate.Hold(Refusal(600));

        await open.Awaiting(o => o).Should().ThrowAsync<RateLimitRefusedException>();
    }

    [Test]
    public async Task WaitOpenAsync_Cancelled_ThrowsOperationCanceled()
    {
        var gate = new RetryAfterGate(new FakeTimeProvider(s_start), TimeSpan.FromMinutes(2));
        gate.Hold(Refusal(10));
        using var cancel = new CancellationTokenSource();
        var open = gate.WaitOpenAsync(cancel.Token);

        await cancel.CancelAsync();

        await open.Awaiting(o => o).Should().ThrowAsync<OperationCanceledException>();
    }

    private static RateLimitRefusal Refusal(int seconds) =>
        new(TimeSpan.FromSeconds(seconds), "req_gate", "RATE_LIMIT_EXCEEDED", "slow down");
}
