namespace ConnectorHost.Fakes.Asana;

/// <summary>A scripted failure: the next <see cref="Times"/> matching requests fail this way.</summary>
public sealed record FakeAsanaFault
{
    /// <summary>The status code to answer (500, 502, 503, 429, 402, …).</summary>
    public int StatusCode { get; init; } = 500;

    /// <summary>How many matching requests fail.</summary>
    public int Times { get; init; } = 1;

    /// <summary>Which requests: a predicate over the path below the API root and the query (<c>/tasks?project=1</c>).</summary>
    public Func<string, bool>? When { get; init; }

    /// <summary>The <c>Retry-After</c> header to send, in seconds, if any.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Drop the connection instead of answering (a network failure).</summary>
    public bool Disconnect { get; init; }

    /// <summary>The error message; a status-specific default when not set.</summary>
    public string? Message { get; init; }
}

/// <summary>The failures scripted on a <see cref="FakeAsanaServer"/>. Thread-safe.</summary>
public sealed class FakeAsanaFaults
{
    private readonly Lock _lock = new();
    private readonly List<(FakeAsanaFault Fault, int Remaining)> _pending = [];
    private int _injected;

    /// <summary>How many requests failed by script so far.</summary>
    public int Injected => Volatile.Read(ref _injected);

    /// <summary>Scripts a failure.</summary>
    /// <param name="fault">The failure.</param>
    public void Add(FakeAsanaFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_lock)
        {
            _pending.Add((fault, fault.Times));
        }
    }

    /// <summary>Fails the next <paramref name="times"/> requests whose path and query contain <paramref name="pathContains"/>.</summary>
    /// <param name="times">How many requests.</param>
    /// <param name="statusCode">The status code.</param>
    /// <param name="pathContains">A fragment of the path and query; every request when empty.</param>
    /// <param name="retryAfterSeconds">The <c>Retry-After</c> header, if any.</param>
    public void FailNext(int times, int statusCode, string pathContains = "", int? retryAfterSeconds = null) =>
        Add(new FakeAsanaFault
        {
            Times = times,
            StatusCode = statusCode,
            RetryAfterSeconds = retryAfterSeconds,
            When = p => p.Contains(pathContains, StringComparison.Ordinal),
        });

    /// <summary>Forgets the failures not yet used.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _pending.Clear();
        }
    }

    internal FakeAsanaFault? Take(string pathAndQuery)
    {
        lock (_lock)
        {
            for (var i = 0; i < _pending.Count; i++)
            {
                var (fault, remaining) = _pending[i];
                if (fault.When is null || fault.When(pathAndQuery))
                {
                    if (remaining <= 1)
                    {
                        _pending.RemoveAt(i);
                    }
                    else
                    {
                        _pending[i] = (fault, remaining - 1);
                    }

                    Interlocked.Increment(ref _injected);
                    return fault;
                }
            }

            return null;
        }
    }
}

/// <summary>Holds matching requests until <see cref="Release"/> (to observe what a client has in flight).</summary>
public sealed class FakeAsanaHold
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;

    internal FakeAsanaHold(Func<string, bool> match)
    {
        Match = match;
    }

    /// <summary>How many requests are held now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    internal Func<string, bool> Match { get; }

    /// <summary>Lets every held request (and every later one) through.</summary>
    public void Release() => _released.TrySetResult();

    internal async Task WaitAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _released.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}
