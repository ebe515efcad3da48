using System.Reflection;
using ConnectorHost.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ConnectorHost.Plugins;

/// <summary>
/// The assemblies a plugin shares with the host: the contract and what its types expose or plugins are promised
/// (IServiceCollection, ILogger, IOptions, IConfiguration, IHttpClientFactory). Every plugin binds to the host's copy
/// of these, so types cross the boundary; everything else stays private to the plugin, so two plugins may use
/// different versions of one library.
/// </summary>
internal static class SharedAssemblies
{
    public static IReadOnlyList<Assembly> All { get; } =
    [
        typeof(IConnector).Assembly,
        typeof(IServiceCollection).Assembly,
        typeof(ILogger).Assembly,
        typeof(IOptions<>).Assembly,
        typeof(StringValues).Assembly,
        typeof(IConfiguration).Assembly,
        typeof(IHttpClientFactory).Assembly,
    ];

    private static readonly HashSet<string> s_names =
        All.Select(assembly => assembly.GetName().Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether an assembly name is one the host shares.</summary>
    public static bool IsShared(string assemblyName) => s_names.Contains(assemblyName);

    /// <summary>The version of a shared assembly the host runs with.</summary>
    public static Version HostVersion(string assemblyName) =>
        All.First(a => string.Equals(a.GetName().Name, assemblyName, StringComparison.OrdinalIgnoreCase))
            .GetName().Version!;
}
