namespace ConnectorHost.Plugins;

/// <summary>What <c>plugins.json</c> says about one plugin id.</summary>
public sealed class PluginPolicy
{
    /// <summary>When <see langword="false"/>, the plugin is <see cref="PluginStatus.Disabled"/>. Default <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// When set, the SHA-256 digest (64 hexadecimal digits, any case) the plugin's main assembly must have; otherwise
    /// the plugin is refused. Default none.
    /// </summary>
    public string? Sha256 { get; init; }
}
