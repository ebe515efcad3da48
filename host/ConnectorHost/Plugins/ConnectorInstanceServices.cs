using System.Runtime.Loader;
using ConnectorHost.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHost.Plugins;

/// <summary>
/// One connector instance's own service container: the host's shared services, the instance, its settings and what
/// the plugin registered. Resolve <see cref="IConnector"/> from a new scope for every run; dispose this when the
/// instance stops.
/// </summary>
public sealed class ConnectorInstanceServices : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    internal ConnectorInstanceServices(LoadedPlugin plugin, ConnectorInstance instance, ServiceProvider provider)
    {
        Plugin = plugin;
        Instance = instance;
        _provider = provider;
    }

    /// <summary>The plugin serving the instance.</summary>
    public LoadedPlugin Plugin { get; }

    /// <summary>The instance.</summary>
    public ConnectorInstance Instance { get; }

    /// <summary>The instance's services.</summary>
    public IServiceProvider Services => _provider;

    /// <summary>Enters the plugin's contextual reflection scope (see <see cref="LoadedPlugin.EnterContextualReflection"/>).</summary>
    /// <returns>The scope; dispose it when the plugin call ends.</returns>
    public AssemblyLoadContext.ContextualReflectionScope EnterContextualReflection() => Plugin.EnterContextualReflection();

    /// <summary>Disposes the container and the singletons it created.</summary>
    /// <returns>A task that completes when everything is disposed.</returns>
    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
