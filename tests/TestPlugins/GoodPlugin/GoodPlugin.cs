using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.GoodPlugin;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("Good", typeof(GoodPlugin), DisplayName = "Good test plugin")]

namespace ConnectorHost.TestPlugins.GoodPlugin;

/// <summary>A well-behaved plugin: yields a configurable number of items, lists them, and checks its connection.</summary>
public sealed class GoodPlugin : ConnectorPlugin<GoodOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddHttpClient(GoodConnector.HttpClientName);
        services.AddTransient<IConnector, GoodConnector>();
    }
}
