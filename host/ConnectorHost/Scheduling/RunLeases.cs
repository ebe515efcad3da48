using System.Collections.Concurrent;

namespace ConnectorHost.Scheduling;

/// <summary>
/// The right to run a connector: at most one holder per connector, whoever asks (the scheduler, the control endpoint,
/// a CLI sync). A cluster would hold leases in the shared database behind this same interface.
/// </summary>
internal interface IRunLeases
{
    /// <summary>Takes the connector's lease, or returns null when someone holds it.</summary>
    IDisposable? TryAcquire(string connector);

    bool IsHeld(string connector);
}

/// <summary>In-process leases. Across processes the state database's exclusive file lock keeps a second host out.</summary>
internal sealed class InProcessRunLeases : IRunLeases
{
    private readonly ConcurrentDictionary<string, Lease> _held = new(StringComparer.Ordinal);

    public IDisposable? TryAcquire(string connector)
    {
        var lease = new Lease(this, connector);
        return _held.TryAdd(connector, lease) ? lease : null;
    }

    public bool IsHeld(string connector) => _held.ContainsKey(connector);

    private sealed class Lease(InProcessRunLeases owner, string connector) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner._held.TryRemove(new KeyValuePair<string, Lease>(connector, this));
            }
        }
    }
}
