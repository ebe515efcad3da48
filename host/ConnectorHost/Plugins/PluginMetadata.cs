namespace ConnectorHost.Plugins;

/// <summary>What a plugin's main assembly says about itself, read from its metadata without loading it.</summary>
/// <param name="AssemblyPath">The absolute path of the assembly carrying <c>[assembly: ConnectorPlugin]</c>.</param>
/// <param name="AssemblyName">Its simple assembly name.</param>
/// <param name="Id">The plugin id.</param>
/// <param name="DisplayName">The display name, or the id when the attribute gives none.</param>
/// <param name="RegistrarTypeName">The registrar type as serialized in the attribute (possibly assembly-qualified).</param>
/// <param name="Version">The informational version, else the assembly version.</param>
/// <param name="ContractVersion">The referenced <c>ConnectorHost.Abstractions</c> version, or null when none is.</param>
/// <param name="SharedReferences">The versions it references of the other assemblies shared with the host, by name.</param>
internal sealed record PluginMetadata(
    string AssemblyPath,
    string AssemblyName,
    string Id,
    string DisplayName,
    string RegistrarTypeName,
    string Version,
    Version? ContractVersion,
    IReadOnlyDictionary<string, Version> SharedReferences);
