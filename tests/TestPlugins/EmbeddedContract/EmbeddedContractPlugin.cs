using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.EmbeddedContract;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("EmbeddedContract", typeof(EmbeddedContractPlugin))]

namespace ConnectorHost.TestPlugins.EmbeddedContract;

/// <summary>A plugin whose contract types are its own copies.</summary>
public sealed class EmbeddedContractPlugin : ConnectorPlugin<EmbeddedContractOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
    }
}

/// <summary>No settings.</summary>
public sealed class EmbeddedContractOptions
{
}
