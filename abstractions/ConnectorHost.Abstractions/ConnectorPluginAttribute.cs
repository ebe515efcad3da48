namespace ConnectorHost.Abstractions;

/// <summary>
/// Marks an assembly as a ConnectorHost plugin: names the plugin and its registrar.
/// </summary>
/// <remarks>
/// The host reads this attribute from the assembly's metadata before any plugin code runs (nothing is loaded or
/// executed to find it), together with the assembly's informational version and the version of
/// <c>ConnectorHost.Abstractions</c> the plugin was compiled against. Exactly one assembly in a plugin folder carries it.
/// <code>[assembly: ConnectorPlugin("Confluence", typeof(ConfluencePlugin), DisplayName = "Confluence")]</code>
/// </remarks>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false, Inherited = false)]
public sealed class ConnectorPluginAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="id">
    /// The plugin id that <c>plugins.json</c> refers to (<c>connectors[].plugin</c>): letters, digits, '.', '-' and
    /// '_', unique among the loaded plugins, stable across versions.
    /// </param>
    /// <param name="registrar">
    /// The public, non-abstract class implementing <see cref="IConnectorPlugin"/>, with a public parameterless constructor.
    /// </param>
    public ConnectorPluginAttribute(string id, Type registrar)
    {
        Id = id;
        Registrar = registrar;
    }

    /// <summary>The plugin id, e.g. <c>Confluence</c>.</summary>
    public string Id { get; }

    /// <summary>The registrar type, implementing <see cref="IConnectorPlugin"/>.</summary>
    public Type Registrar { get; }

    /// <summary>A name for people (status output, logs). Defaults to <see cref="Id"/>.</summary>
    public string? DisplayName { get; set; }
}
