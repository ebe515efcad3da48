namespace ConnectorHost.Configuration;

/// <summary>
/// What the configuration needs from the plugin catalog to bind connector settings: for a plugin id, the type its
/// settings bind to (<c>IConnectorPlugin.OptionsType</c>), or why there is none.
/// </summary>
internal interface IPluginOptionsSource
{
    /// <summary>The ids of every plugin found in the plugins folder, usable or not, for "unknown plugin" messages.</summary>
    IReadOnlyCollection<string> PluginIds { get; }

    /// <summary>Finds the settings type of a plugin.</summary>
    /// <param name="pluginId">The id a connector names (ordinal comparison).</param>
    /// <returns>What is known about the plugin.</returns>
    PluginOptionsResolution Resolve(string pluginId);
}

/// <summary>How <see cref="IPluginOptionsSource.Resolve"/> answered.</summary>
internal enum PluginOptionsStatus
{
    /// <summary>No plugin has this id.</summary>
    Unknown,

    /// <summary>The plugin exists but cannot run: incompatible, disabled by policy, or broken while loading.</summary>
    Unavailable,

    /// <summary>The plugin is loaded; <see cref="PluginOptionsResolution.OptionsType"/> is its settings type.</summary>
    Available,
}

/// <summary>The answer of <see cref="IPluginOptionsSource.Resolve"/>.</summary>
internal sealed record PluginOptionsResolution
{
    private PluginOptionsResolution(PluginOptionsStatus status, Type? optionsType, string? reason)
    {
        Status = status;
        OptionsType = optionsType;
        Reason = reason;
    }

    /// <summary>Which case this is.</summary>
    public PluginOptionsStatus Status { get; }

    /// <summary>The settings type, when <see cref="PluginOptionsStatus.Available"/>.</summary>
    public Type? OptionsType { get; }

    /// <summary>Why the plugin cannot run, when <see cref="PluginOptionsStatus.Unavailable"/>, for a person.</summary>
    public string? Reason { get; }

    /// <summary>No plugin has the id.</summary>
    public static PluginOptionsResolution Unknown { get; } = new(PluginOptionsStatus.Unknown, null, null);

    /// <summary>The plugin exists but cannot run.</summary>
    /// <param name="reason">Why, for a person: "built against ConnectorHost.Abstractions 2.0; this host has 1.3".</param>
    public static PluginOptionsResolution Unavailable(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(PluginOptionsStatus.Unavailable, null, reason);
    }

    /// <summary>The plugin is loaded and binds its settings to <paramref name="optionsType"/>.</summary>
    public static PluginOptionsResolution Available(Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        return new(PluginOptionsStatus.Available, optionsType, null);
    }
}
