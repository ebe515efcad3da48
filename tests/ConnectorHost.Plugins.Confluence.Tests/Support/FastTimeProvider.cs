namespace ConnectorHost.Plugins.Confluence.Tests.Support;

/// <summary>
/// The real clock, except that waits are recorded and then shortened to a few milliseconds, so tests can prove a
/// connector waits what the server asked without waiting it out.
/// </summary>
internal sealed class FastTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _waits = [];

    /// <summary>Every wait requested (timer due times), in order.</summary>
    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_gate)
            {
                return [.. _waits];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            lock (_gate)
            {
                _waits.Add(dueTime);
            }

            dueTime = TimeSpan.FromMilliseconds(5);
        }

        return System.CreateTimer(callback, state, dueTime, period);
    }
}
