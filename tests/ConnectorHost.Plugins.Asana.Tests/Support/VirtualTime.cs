using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace ConnectorHost.Plugins.Asana.Tests.Support;

/// <summary>
/// The connector's clock in tests: reads the fake Asana's clock, and turns every wait the connector asks for (a
/// Retry-After, a back-off) into a jump of that clock, recorded, instead of real time passing.
/// </summary>
internal sealed class VirtualTime(FakeTimeProvider clock) : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            Waits.Enqueue(dueTime);
            clock.Advance(dueTime);
        }

        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => callback(state), null);
        }

        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
