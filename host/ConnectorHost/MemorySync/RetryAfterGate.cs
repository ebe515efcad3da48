namespace ConnectorHost.MemorySync;

/// <summary>
/// The client-wide hold after a 429: while one request waits out a <c>Retry-After</c>, no other request is sent, so
/// parallel callers do not storm into the same limit. A wait longer than the client accepts turns the gate into a
/// refusal: every call until then fails at once, without being sent.
/// </summary>
internal sealed class RetryAfterGate(TimeProvider timeProvider, TimeSpan maxWait)
{
    private static readonly TimeSpan s_clockJump = TimeSpan.FromMilliseconds(100);

    private readonly Lock _lock = new();
    private DateTimeOffset _openAt = DateTimeOffset.MinValue;
    private RateLimitRefusal? _refusal;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>The longest wait the client accepts.</summary>
    public TimeSpan MaxWait => maxWait;

    /// <summary>When requests may flow again, or <see langword="null"/> when they may now.</summary>
    public DateTimeOffset? HoldingUntil
    {
        get
        {
            lock (_lock)
            {
                return _openAt > timeProvider.GetUtcNow() ? _openAt : null;
            }
        }
    }

    /// <summary>Closes the gate after a 429.</summary>
    /// <param name="refusal">The 429 and how long it asked to wait.</param>
    /// <returns><see langword="true"/> when the wait is short enough to wait out; otherwise calls are refused until it ends.</returns>
    public bool Hold(RateLimitRefusal refusal)
    {
        var acceptable = refusal.RetryAfter <= maxWait;
        lock (_lock)
        {
            var until = timeProvider.GetUtcNow() + refusal.RetryAfter;
            if (until > _openAt)
            {
                _openAt = until;
            }

            if (!acceptable && (_refusal is null || _openAt > _refusal.Until))
            {
                _refusal = refusal with { Until = _openAt };
            }

            _changed.TrySetResult();
            _changed = NewSignal();
        }

        return acceptable;
    }

    /// <summary>Throws when calls are being refused; a cheap check before a request is queued.</summary>
    /// <exception cref="RateLimitRefusedException">A 429 asked for a wait longer than the client accepts.</exception>
    public void ThrowIfRefusing()
    {
        lock (_lock)
        {
            ThrowIfRefusingLocked(timeProvider.GetUtcNow());
        }
    }

    /// <summary>Returns when requests may be sent.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="RateLimitRefusedException">A 429 asked for a wait longer than the client accepts.</exception>
    public async Task WaitOpenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            DateTimeOffset now;
            TimeSpan remaining;
            Task changed;
            lock (_lock)
            {
                now = timeProvider.GetUtcNow();
                ThrowIfRefusingLocked(now);
                remaining = _openAt - now;
                if (remaining <= TimeSpan.Zero)
                {
                    return;
                }

                changed = _changed.Task;
            }

            // A later 429 may lengthen the hold or turn it into a refusal: wake up for that too.
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, timeProvider, wake.Token);
            // A clock that jumped while the timer was being set (a paused process, a test clock) makes the timer
            // late by the jump: look again instead.
            if (timeProvider.GetUtcNow() - now < s_clockJump)
            {
                await Task.WhenAny(delay, changed).ConfigureAwait(false);
            }

            await wake.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void ThrowIfRefusingLocked(DateTimeOffset now)
    {
        if (_refusal is { } refusal)
        {
            if (refusal.Until > now)
            {
                throw new RateLimitRefusedException(refusal with { RetryAfter = refusal.Until - now });
            }

            _refusal = null;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A 429 as the gate remembers it, to refuse later calls with the same facts.</summary>
/// <param name="RetryAfter">How long the service asked to wait (for a refused call: how long remains).</param>
/// <param name="RequestId">The 429's request id.</param>
/// <param name="ErrorCode">The 429's error code.</param>
/// <param name="ServerMessage">The 429's message.</param>
internal sealed record RateLimitRefusal(TimeSpan RetryAfter, string? RequestId, string? ErrorCode, string? ServerMessage)
{
    /// <summary>Until when calls are refused.</summary>
    public DateTimeOffset Until { get; init; }
}

/// <summary>Thrown inside the HTTP pipeline for a call refused by the gate; the client turns it into a rate-limit exception.</summary>
internal sealed class RateLimitRefusedException(RateLimitRefusal refusal)
    : Exception("MemorySync asked to wait longer than the client waits by itself.")
{
    public RateLimitRefusal Refusal { get; } = refusal;
}
