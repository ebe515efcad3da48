namespace ConnectorHost.MemorySync;

/// <summary>
/// The lane a MemorySync request travels in: the connector instance it is made for. The client's rate limiter serves
/// waiting lanes in turn, so one connector's initial sync cannot starve the others.
/// </summary>
/// <remarks>
/// The lane is ambient (it flows with the async call chain), so a run enters its lane once and every request made
/// beneath it, including those of a plugin that uses <see cref="Abstractions.MemorySync.IMemorySyncClient"/> itself,
/// is counted in it.
/// </remarks>
internal static class MemorySyncLane
{
    /// <summary>The lane of requests made outside any <see cref="Enter"/>.</summary>
    public const string Default = "(default)";

    private static readonly AsyncLocal<string?> s_current = new();

    /// <summary>The lane of the current async flow.</summary>
    public static string Current => s_current.Value ?? Default;

    /// <summary>Makes <paramref name="lane"/> the lane of this async flow until the returned scope is disposed.</summary>
    /// <param name="lane">The connector instance name.</param>
    /// <returns>A scope that restores the previous lane.</returns>
    public static IDisposable Enter(string lane)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lane);
        var scope = new Scope(s_current.Value);
        s_current.Value = lane;
        return scope;
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => s_current.Value = previous;
    }
}
