using ConnectorHost.Abstractions;

namespace ConnectorHost.Delivery;

/// <summary>A runnable connector instance: its identity, its service container and its run policy.</summary>
internal sealed class ConnectorHandle
{
    public required ConnectorInstance Instance { get; init; }

    /// <summary>The instance's own container (the plugin's services and the host's shared ones).</summary>
    public required IServiceProvider Services { get; init; }

    /// <summary>Enters the plugin's contextual reflection scope for the duration of plugin code, if it has one.</summary>
    public Func<IDisposable>? EnterPluginContext { get; init; }

    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Overrides the connector's <see cref="IFullListing.PruneInterval"/>, when set.</summary>
    public TimeSpan? PruneInterval { get; init; }

    public double MaxDeletePercent { get; init; } = 20;

    public string Name => Instance.Name;
}

/// <summary>What started a run and how it should behave.</summary>
/// <param name="Trigger">schedule, startup, manual (CLI or control endpoint).</param>
/// <param name="FullSync">Read the source from the beginning (cursor null) and prune afterwards.</param>
/// <param name="DryRun">Read and report what would be sent; send and record nothing.</param>
/// <param name="AllowMassDelete">Let pruning forget more than the connector's maxDeletePercent.</param>
internal sealed record RunRequest(string Trigger, bool FullSync = false, bool DryRun = false, bool AllowMassDelete = false);
