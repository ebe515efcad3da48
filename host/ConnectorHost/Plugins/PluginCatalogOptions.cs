namespace ConnectorHost.Plugins;

/// <summary>Where the plugins are and what <c>plugins.json</c> says about them.</summary>
public sealed class PluginCatalogOptions
{
    /// <summary>The folder holding one sub-folder per plugin; a relative path is taken from the current directory.</summary>
    public required string PluginsDirectory { get; init; }

    /// <summary>Per plugin id (case-insensitive): enabled or not, and an optional pin. Default: every plugin enabled.</summary>
    public IReadOnlyDictionary<string, PluginPolicy> Policies { get; init; } = new Dictionary<string, PluginPolicy>();

    /// <summary>
    /// The contract version plugins are checked against, in place of the <c>ConnectorHost.Abstractions</c> assembly
    /// the host runs with. For tests only; default <see langword="null"/>.
    /// </summary>
    public Version? HostContractVersion { get; init; }
}
