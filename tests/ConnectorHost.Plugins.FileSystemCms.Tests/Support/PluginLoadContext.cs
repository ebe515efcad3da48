using System.Reflection;
using System.Runtime.Loader;

namespace ConnectorHost.Plugins.FileSystemCms.Tests.Support;

/// <summary>
/// Loads a plugin folder into its own collectible load context, the way the host does: the contract
/// (<c>ConnectorHost.Abstractions</c>) and the <c>Microsoft.Extensions.*.Abstractions</c> it exposes come from the
/// default context, so types unify; every other dependency is resolved from the plugin's deps.json.
/// </summary>
public sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;

    /// <summary>Creates the context for a plugin's main assembly.</summary>
    /// <param name="mainAssemblyPath">The plugin assembly, next to its deps.json.</param>
    public PluginLoadContext(string mainAssemblyPath)
        : base(Path.GetFileNameWithoutExtension(mainAssemblyPath), isCollectible: true)
    {
        _resolver = new AssemblyDependencyResolver(mainAssemblyPath);
    }

    /// <summary>Whether an assembly is shared with the host rather than loaded privately.</summary>
    /// <param name="name">The assembly name.</param>
    /// <returns><see langword="true"/> for the contract and the abstractions it exposes.</returns>
    public static bool IsShared(AssemblyName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Name is "ConnectorHost.Abstractions"
            || (name.Name?.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) == true
                && name.Name.EndsWith(".Abstractions", StringComparison.Ordinal));
    }

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsShared(assemblyName))
        {
            return null;
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
}
