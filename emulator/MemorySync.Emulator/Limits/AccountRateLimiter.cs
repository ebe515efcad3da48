using System.Collections.Concurrent;
using MemorySync.Emulator.Hosting;

namespace MemorySync.Emulator.Limits;

/// <summary>
/// The service's three sliding-window layers (per second, minute, hour) per API key: a request is admitted only when
/// all three have room, and only admitted requests count.
/// </summary>
internal sealed class AccountRateLimiter(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, KeyWindows> _keys = new(StringComparer.Ordinal);

    /// <summary>Admits the request, or says which window refused it and how long to wait.</summary>
    public RateDecision TryAcquire(string keyId, RateLimits limits)
    {
        var windows = _keys.GetOrAdd(keyId, static _ => new KeyWindows());
        var now = timeProvider.GetUtcNow().UtcTicks;
        lock (windows)
        {
            var wait = TimeSpan.Zero;
            string? refusedBy = null;
            Check(windows.Second, limits.PerSecond, "per-second");
            Check(windows.Minute, limits.PerMinute, "per-minute");
            Check(windows.Hour, limits.PerHour, "per-hour");
            if (refusedBy is not null)
            {
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                return new RateDecision(false, refusedBy, seconds);
            }

            windows.Second.Record(now);
            windows.Minute.Record(now);
            windows.Hour.Record(now);
            return RateDecision.Allow;

            void Check(SlidingWindowLog log, int limit, string name)
            {
                if (!log.HasRoom(now, limit, out var retryAfter) && retryAfter > wait)
                {
                    wait = retryAfter;
                    refusedBy = name;
                }
            }
        }
    }

    public void Reset() => _keys.Clear();

    private sealed class KeyWindows
    {
        public SlidingWindowLog Second { get; } = new(TimeSpan.FromSeconds(1));

        public SlidingWindowLog Minute { get; } = new(TimeSpan.FromMinutes(1));

        public SlidingWindowLog Hour { get; } = new(TimeSpan.FromHours(1));
    }
}

/// <summary>The rate limiter's answer.</summary>
/// <param name="Admitted">The request may proceed.</param>
/// <param name="Window">The window that refused it: <c>per-second</c>, <c>per-minute</c> or <c>per-hour</c>.</param>
/// <param name="RetryAfterSeconds">Whole seconds until the window has room (at least 1).</param>
internal readonly record struct RateDecision(bool Admitted, string? Window, int RetryAfterSeconds)
{
    public static RateDecision Allow => new(true, null, 0);
}
