using System.Threading.RateLimiting;

namespace ConnectorHost.MemorySync;

/// <summary>
/// Hands out the permits of the account's rate limiter to waiting requests one lane at a time, round-robin, so a
/// connector with a few items is served promptly while another one's initial sync keeps the limiter saturated.
/// Nothing is handed out while the <see cref="RetryAfterGate"/> holds.
/// </summary>
/// <remarks>
/// A single pump takes permits from the limiter (its permits are therefore taken in the order requests go out) and
/// gives each to the head of the next lane with waiters. Lanes are served in the order they started waiting.
/// </remarks>
internal sealed class FairLaneLimiter : IDisposable
{
    private readonly RateLimiter? _limiter;
    private readonly RetryAfterGate _gate;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Queue<TaskCompletionSource<RateLimitLease>>> _queues = new(StringComparer.Ordinal);
    private readonly List<string> _rotation = [];
    private readonly CancellationTokenSource _disposed = new();
    private int _next;
    private Task? _pump;

    /// <summary>Creates the limiter.</summary>
    /// <param name="limiter">The account's limiter, or <see langword="null"/> for no client-side limit. Owned.</param>
    /// <param name="gate">The client-wide 429 hold.</param>
    public FairLaneLimiter(RateLimiter? limiter, RetryAfterGate gate)
    {
        _limiter = limiter;
        _gate = gate;
    }

    /// <summary>The client-wide 429 hold this limiter obeys.</summary>
    public RetryAfterGate Gate => _gate;

    /// <summary>The permit of a request that bypasses the limiter (<c>/health</c>).</summary>
    public static RateLimitLease Bypass => GrantedLease.Instance;

    /// <summary>The number of requests waiting per lane (lanes with none are left out).</summary>
    public IReadOnlyDictionary<string, int> QueueLengths
    {
        get
        {
            lock (_lock)
            {
                var lengths = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var (lane, queue) in _queues)
                {
                    var waiting = queue.Count(waiter => !waiter.Task.IsCompleted);
                    if (waiting > 0)
                    {
                        lengths[lane] = waiting;
                    }
                }

                return lengths;
            }
        }
    }

    /// <summary>Waits for this lane's turn and a permit.</summary>
    /// <param name="lane">The lane of the request.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The permit; dispose it when the request is done.</returns>
    /// <exception cref="RateLimitRefusedException">The gate refuses calls (a 429 asked for too long a wait).</exception>
    public async ValueTask<RateLimitLease> WaitTurnAsync(string lane, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        cancellationToken.ThrowIfCancellationRequested();
        _gate.ThrowIfRefusing();

        var waiter = new TaskCompletionSource<RateLimitLease>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (!_queues.TryGetValue(lane, out var queue))
            {
                queue = new Queue<TaskCompletionSource<RateLimitLease>>();
                _queues[lane] = queue;
            }

            if (queue.Count == 0)
            {
                _rotation.Add(lane);
            }

            queue.Enqueue(waiter);
            _pump ??= Task.Run(PumpAsync, CancellationToken.None);
        }

        using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            return await waiter.Task.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        // The pump sees the cancellation and ends by itself.
        _disposed.Cancel();
        FailAll(new ObjectDisposedException(nameof(FairLaneLimiter)));
        _limiter?.Dispose();
    }

    private async Task PumpAsync()
    {
        var stopping = _disposed.Token;
        while (!stopping.IsCancellationRequested)
        {
            lock (_lock)
            {
                if (!HasLiveWaiterLocked())
                {
                    _pump = null;
                    return;
                }
            }

            RateLimitLease? lease = null;
            try
            {
                await _gate.WaitOpenAsync(stopping).ConfigureAwait(false);
                lease = _limiter is null
                    ? GrantedLease.Instance
                    : await _limiter.AcquireAsync(1, stopping).ConfigureAwait(false);
                // A 429 may have come in while the permit was awaited.
                await _gate.WaitOpenAsync(stopping).ConfigureAwait(false);
                if (!lease.IsAcquired)
                {
                    // Only this pump acquires, so the limiter's queue never overflows.
                    throw new InvalidOperationException("The MemorySync rate limiter refused a permit.");
                }

                if (Grant(lease))
                {
                    lease = null;
                }
            }
            catch (RateLimitRefusedException refused)
            {
                FailAll(refused);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception unexpected)
            {
                // The pump must outlive any failure: a dead pump would leave every later request waiting.
                FailAll(unexpected);
            }
            finally
            {
                // A permit nobody took is spent: leases of a token bucket give nothing back.
                lease?.Dispose();
            }
        }

        lock (_lock)
        {
            _pump = null;
        }
    }

    private bool Grant(RateLimitLease lease)
    {
        lock (_lock)
        {
            while (_rotation.Count > 0)
            {
                if (_next >= _rotation.Count)
                {
                    _next = 0;
                }

                var lane = _rotation[_next];
                var queue = _queues[lane];
                var granted = false;
                while (!granted && queue.Count > 0)
                {
                    granted = queue.Dequeue().TrySetResult(lease);
                }

                if (queue.Count == 0)
                {
                    // The lane leaves the rotation; the next lane slides into this position.
                    _rotation.RemoveAt(_next);
                    _queues.Remove(lane);
                }
                else
                {
                    _next++;
                }

                if (granted)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private bool HasLiveWaiterLocked()
    {
        foreach (var queue in _queues.Values)
        {
            foreach (var waiter in queue)
            {
                if (!waiter.Task.IsCompleted)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void FailAll(Exception exception)
    {
        List<TaskCompletionSource<RateLimitLease>> waiters;
        lock (_lock)
        {
            waiters = [.. _queues.Values.SelectMany(queue => queue)];
            _queues.Clear();
            _rotation.Clear();
            _next = 0;
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetException(exception);
        }
    }

    /// <summary>The permit handed out when there is no client-side limit.</summary>
    private sealed class GrantedLease : RateLimitLease
    {
        public static readonly GrantedLease Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
