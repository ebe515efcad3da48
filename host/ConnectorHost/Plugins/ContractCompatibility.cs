namespace ConnectorHost.Plugins;

/// <summary>
/// Whether a plugin can bind to the contract and shared assemblies this host provides. The contract is versioned
/// semantically and its assembly version carries major.minor: a plugin built against an older minor binds to the
/// host's copy; one built against a newer minor or another major would fall back to a private copy (or none) and fail
/// later with "Unable to cast" or "Could not load file or assembly", so it is refused before loading.
/// </summary>
internal static class ContractCompatibility
{
    /// <exception cref="PluginRefusedException">The plugin cannot bind (status NotSupported).</exception>
    public static void Ensure(PluginMetadata metadata, Version hostContract)
    {
        var reason = Check(metadata.ContractVersion, hostContract)
            ?? metadata.SharedReferences
                .Select(reference => CheckShared(reference.Key, reference.Value))
                .FirstOrDefault(problem => problem is not null);
        if (reason is not null)
        {
            throw PluginRefusedException.NotSupported(reason);
        }
    }

    /// <summary>Null when a plugin built against <paramref name="pluginContract"/> can run on this host; else why not.</summary>
    public static string? Check(Version? pluginContract, Version hostContract)
    {
        var host = $"{hostContract.Major}.{hostContract.Minor}";
        if (pluginContract is null)
        {
            return "the plugin does not reference ConnectorHost.Abstractions; "
                + $"rebuild it against ConnectorHost.Abstractions {hostContract.Major}.x";
        }

        var plugin = $"{pluginContract.Major}.{pluginContract.Minor}";
        if (pluginContract.Major != hostContract.Major)
        {
            return $"built against ConnectorHost.Abstractions {plugin}; this host provides {host} "
                + $"(major versions differ): rebuild the plugin against {hostContract.Major}.x";
        }

        if (pluginContract.Minor > hostContract.Minor)
        {
            return $"built against ConnectorHost.Abstractions {plugin}; this host provides {host} "
                + $"(the plugin needs a newer minor version): upgrade the host, or rebuild the plugin against {host}";
        }

        return null;
    }

    private static string? CheckShared(string assemblyName, Version referenced)
    {
        var host = SharedAssemblies.HostVersion(assemblyName);
        return referenced > host
            ? $"built against {assemblyName} {referenced}; this host provides {host}, which the plugin shares: "
                + $"rebuild the plugin against version {host.Major}.{host.Minor} of that package"
            : null;
    }
}
