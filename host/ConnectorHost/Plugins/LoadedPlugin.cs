using System.Runtime.Loader;
using ConnectorHost.Abstractions;
using McMaster.NETCore.Plugins;

namespace ConnectorHost.Plugins;

/// <summary>
/// One plugin folder and what became of it. What was read from the folder never changes; <see cref="Status"/> and
/// <see cref="Reason"/> change once at most, from Active to Malfunctioned, when the plugin fails to serve a connector
/// instance.
/// </summary>
public sealed class LoadedPlugin
{
    private readonly PluginLoader? _loader;
    private State _state;

    internal LoadedPlugin(
        string directory,
        PluginMetadata? metadata,
        string? sha256,
        PluginStatus status,
        string? reason,
        PluginLoading.Result? loaded = null)
    {
        Directory = directory;
        FolderName = Path.GetFileName(directory);
        Id = metadata?.Id;
        DisplayName = metadata?.DisplayName;
        Version = metadata?.Version;
        ContractVersion = metadata?.ContractVersion;
        MainAssemblyPath = metadata?.AssemblyPath;
        MainAssemblySha256 = sha256;
        Registrar = loaded?.Registrar;
        OptionsType = loaded?.OptionsType;
        _loader = loaded?.Loader;
        _state = new State(status, reason);
    }

    /// <summary>The plugin's folder name, e.g. <c>Confluence</c>.</summary>
    public string FolderName { get; }

    /// <summary>The absolute path of the plugin's folder.</summary>
    public string Directory { get; }

    /// <summary>The plugin id from <c>[assembly: ConnectorPlugin]</c>; null when no plugin assembly was found.</summary>
    public string? Id { get; }

    /// <summary>The display name (the id when the plugin gives none); null when no plugin assembly was found.</summary>
    public string? DisplayName { get; }

    /// <summary>The plugin's informational version, else its assembly version; null when no plugin assembly was found.</summary>
    public string? Version { get; }

    /// <summary>The <c>ConnectorHost.Abstractions</c> version the plugin was built against, when it references one.</summary>
    public Version? ContractVersion { get; }

    /// <summary>The current status.</summary>
    public PluginStatus Status => Volatile.Read(ref _state).Status;

    /// <summary>Why the plugin is not Active, for a person; null when it is.</summary>
    public string? Reason => Volatile.Read(ref _state).Reason;

    /// <summary>The plugin's registrar, created once; null unless the plugin loaded.</summary>
    public IConnectorPlugin? Registrar { get; }

    /// <summary>The type a connector instance's settings bind to; null unless the plugin loaded.</summary>
    public Type? OptionsType { get; }

    /// <summary>The absolute path of the assembly carrying <c>[assembly: ConnectorPlugin]</c>, when found.</summary>
    public string? MainAssemblyPath { get; }

    /// <summary>The SHA-256 digest of the main assembly (64 lower-case hexadecimal digits), for pinning in plugins.json.</summary>
    public string? MainAssemblySha256 { get; }

    /// <summary>
    /// Makes the plugin's load context the contextual reflection context until the scope is disposed, so that
    /// reflection inside plugin code (Type.GetType, Assembly.Load, serializers) finds the plugin's own assemblies. Wrap
    /// calls into the plugin (registration, runs) in it.
    /// </summary>
    /// <returns>The scope; dispose it when the plugin call ends.</returns>
    /// <exception cref="InvalidOperationException">The plugin never loaded.</exception>
    public AssemblyLoadContext.ContextualReflectionScope EnterContextualReflection() =>
        (_loader ?? throw new InvalidOperationException(
            $"The plugin in folder {FolderName} was not loaded ({Status}); it has no load context.")).EnterContextualReflection();

    /// <inheritdoc />
    public override string ToString() => $"{Id ?? "(no id)"} in {FolderName}: {Status}";

    internal PluginLoader? Loader => _loader;

    /// <summary>Moves an Active plugin to Malfunctioned; false when it was not Active (the first reason stays).</summary>
    internal bool MarkMalfunctioned(string reason)
    {
        var active = Volatile.Read(ref _state);
        return active.Status == PluginStatus.Active
            && Interlocked.CompareExchange(ref _state, new State(PluginStatus.Malfunctioned, reason), active) == active;
    }

    private sealed record State(PluginStatus Status, string? Reason);
}
