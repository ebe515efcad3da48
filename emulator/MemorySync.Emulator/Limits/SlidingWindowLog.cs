namespace MemorySync.Emulator.Limits;

/// <summary>
/// An exact sliding window: the timestamps of the requests admitted in the last <c>window</c>, oldest first, in a
/// ring that grows with the traffic (so memory follows what was sent, not the limit). Not thread-safe: the caller
/// holds the key's lock.
/// </summary>
internal sealed class SlidingWindowLog(TimeSpan window)
{
    private long[] _ring = new long[16];
    private int _start;
    private int _count;

    public TimeSpan Window => window;

    /// <summary>Whether one more request fits under <paramref name="limit"/>; otherwise how long until it would.</summary>
    public bool HasRoom(long nowTicks, int limit, out TimeSpan retryAfter)
    {
        var horizon = nowTicks - window.Ticks;
        while (_count > 0 && _ring[_start] <= horizon)
        {
            _start = (_start + 1) % _ring.Length;
            _count--;
        }

        if (_count < limit)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        // Room appears when the (count - limit + 1) oldest admitted requests have left the window.
        var freeing = _ring[(_start + (_count - limit)) % _ring.Length];
        retryAfter = TimeSpan.FromTicks(freeing + window.Ticks - nowTicks);
        return false;
    }

    public void Record(long nowTicks)
    {
        if (_count == _ring.Length)
        {
            var grown = new long[_ring.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = _ring[(_start + i) % _ring.Length];
            }

            _ring = grown;
            _start = 0;
        }

        _ring[(_start + _count) % _ring.Length] = nowTicks;
        _count++;
    }
}
