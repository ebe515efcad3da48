using ConnectorHost.Delivery;
using ConnectorHost.Scheduling;

namespace ConnectorHost.Hosting;

/// <summary>The configured connector instances, runnable or not, by name.</summary>
internal interface IConnectorRegistry
{
    IReadOnlyList<ConnectorEntry> Entries { get; }

    /// <summary>The runnable connector of that name, or null (unknown, disabled, or its plugin is unavailable).</summary>
    ConnectorHandle? Find(string name);

    /// <summary>Why a connector cannot run, for a person; null when it can.</summary>
    string? WhyUnavailable(string name);
}

/// <summary>One configured connector instance as the host sees it.</summary>
/// <param name="Name">The instance name.</param>
/// <param name="Plugin">The plugin id.</param>
/// <param name="Enabled">Whether plugins.json enables it.</param>
/// <param name="Handle">The runnable connector, when its plugin is active and its services built.</param>
/// <param name="UnavailableReason">Why it cannot run, when it cannot.</param>
/// <param name="Schedule">Its schedule; null for manual runs only.</param>
internal sealed record ConnectorEntry(
    string Name,
    string Plugin,
    bool Enabled,
    ConnectorHandle? Handle,
    string? UnavailableReason,
    ConnectorSchedule? Schedule);

internal sealed class ConnectorRegistry(IReadOnlyList<ConnectorEntry> entries) : IConnectorRegistry
{
    private readonly Dictionary<string, ConnectorEntry> _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);

    public IReadOnlyList<ConnectorEntry> Entries => entries;

    public ConnectorHandle? Find(string name) => _byName.TryGetValue(name, out var entry) ? entry.Handle : null;

    public string? WhyUnavailable(string name)
    {
        if (!_byName.TryGetValue(name, out var entry))
        {
            var known = entries.Count == 0 ? "none are configured" : "configured: " + string.Join(", ", entries.Select(e => e.Name));
            return $"there is no connector named '{name}' ({known})";
        }

        if (!entry.Enabled)
        {
            return $"connector '{name}' is disabled in plugins.json (enabled: false)";
        }

        return entry.Handle is null ? entry.UnavailableReason ?? $"connector '{name}' is not available" : null;
    }
}
