using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using MemorySync.Emulator.Admin;

namespace MemorySync.Emulator.Observability;

/// <summary>Counters of what arrived and what was answered; lock-free on the request path.</summary>
internal sealed class EmulatorMetrics
{
    private const int RequestLogSize = 2000;
    private readonly ConcurrentDictionary<(string Route, string Status), StrongBox<long>> _requests = new();
    private readonly EmulatorRequest?[] _log = new EmulatorRequest?[RequestLogSize];
    private long _logNext;
    private long _rateLimited;
    private long _quotaLimited;
    private long _itemsCreated;
    private long _memoriesCreated;
    private long _itemsSkipped;
    private long _itemsRejected;
    private long _forgets;
    private long _memoriesForgotten;
    private long _replays;
    private long _faults;

    public void CountRequest(EmulatorRequest request)
    {
        var status = request.Status == 0 ? "dropped" : request.Status.ToString(CultureInfo.InvariantCulture);
        var box = _requests.GetOrAdd((request.Route, status), static _ => new StrongBox<long>());
        Interlocked.Increment(ref box.Value);
        var slot = Interlocked.Increment(ref _logNext) - 1;
        Volatile.Write(ref _log[slot % RequestLogSize], request);
    }

    public void RateLimited() => Interlocked.Increment(ref _rateLimited);

    public void QuotaLimited() => Interlocked.Increment(ref _quotaLimited);

    public void Items(long created, long memories, long skipped, long rejected)
    {
        if (created != 0)
        {
            Interlocked.Add(ref _itemsCreated, created);
            Interlocked.Add(ref _memoriesCreated, memories);
        }

        if (skipped != 0)
        {
            Interlocked.Add(ref _itemsSkipped, skipped);
        }

        if (rejected != 0)
        {
            Interlocked.Add(ref _itemsRejected, rejected);
        }
    }

    public void Forgot(long memories)
    {
        Interlocked.Increment(ref _forgets);
        Interlocked.Add(ref _memoriesForgotten, memories);
    }

    public void Replayed() => Interlocked.Increment(ref _replays);

    public void FaultInjected() => Interlocked.Increment(ref _faults);

    public EmulatorCounters Snapshot()
    {
        var requests = new SortedDictionary<string, SortedDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var ((route, status), box) in _requests)
        {
            if (!requests.TryGetValue(route, out var byStatus))
            {
                requests[route] = byStatus = new SortedDictionary<string, long>(StringComparer.Ordinal);
            }

            byStatus[status] = Interlocked.Read(ref box.Value);
        }

        return new EmulatorCounters
        {
            Requests = requests.ToDictionary(
                pair => pair.Key, pair => (IReadOnlyDictionary<string, long>)pair.Value, StringComparer.Ordinal),
            RateLimited = Interlocked.Read(ref _rateLimited),
            QuotaLimited = Interlocked.Read(ref _quotaLimited),
            ItemsCreated = Interlocked.Read(ref _itemsCreated),
            MemoriesCreated = Interlocked.Read(ref _memoriesCreated),
            ItemsSkipped = Interlocked.Read(ref _itemsSkipped),
            ItemsRejected = Interlocked.Read(ref _itemsRejected),
            Forgets = Interlocked.Read(ref _forgets),
            MemoriesForgotten = Interlocked.Read(ref _memoriesForgotten),
            IdempotentReplays = Interlocked.Read(ref _replays),
            FaultsInjected = Interlocked.Read(ref _faults),
        };
    }

    /// <summary>The last requests, oldest first.</summary>
    public IReadOnlyList<EmulatorRequest> Requests()
    {
        var next = Interlocked.Read(ref _logNext);
        var first = Math.Max(0, next - RequestLogSize);
        var list = new List<EmulatorRequest>((int)(next - first));
        for (var i = first; i < next; i++)
        {
            if (Volatile.Read(ref _log[i % RequestLogSize]) is { } request)
            {
                list.Add(request);
            }
        }

        return list;
    }

    public void Reset()
    {
        _requests.Clear();
        Array.Clear(_log);
        Interlocked.Exchange(ref _logNext, 0);
        Interlocked.Exchange(ref _rateLimited, 0);
        Interlocked.Exchange(ref _quotaLimited, 0);
        Interlocked.Exchange(ref _itemsCreated, 0);
        Interlocked.Exchange(ref _memoriesCreated, 0);
        Interlocked.Exchange(ref _itemsSkipped, 0);
        Interlocked.Exchange(ref _itemsRejected, 0);
        Interlocked.Exchange(ref _forgets, 0);
        Interlocked.Exchange(ref _memoriesForgotten, 0);
        Interlocked.Exchange(ref _replays, 0);
        Interlocked.Exchange(ref _faults, 0);
    }
}
