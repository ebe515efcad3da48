namespace ConnectorHost.Plugins;

/// <summary>What became of a plugin folder when the host started.</summary>
public enum PluginStatus
{
    /// <summary>Loaded; connector instances of the plugin can run.</summary>
    Active,

    /// <summary>Turned off in <c>plugins.json</c> (<c>enabled: false</c>); none of its code was loaded.</summary>
    Disabled,

    /// <summary>
    /// Refused before any of its code was loaded: built against an incompatible contract, no or several plugin
    /// assemblies, an id another folder declares too, a <c>sha256</c> pin that does not match, or files outside its folder.
    /// </summary>
    NotSupported,

    /// <summary>Broken: a dependency is missing, or its code threw while loading or registering its services.</summary>
    Malfunctioned,
}
