using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.NoConnector;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("NoConnector", typeof(NoConnectorPlugin))]

namespace ConnectorHost.TestPlugins.NoConnector;

/// <summary>Registers a service, but no IConnector.</summary>
public sealed class NoConnectorPlugin : ConnectorPlugin<NoConnectorOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddSingleton(instance.Name.ToUpperInvariant());
    }
}

/// <summary>No settings.</summary>
public sealed class NoConnectorOptions
{
}
