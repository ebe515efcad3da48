using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ScriptedSource;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("Scripted", typeof(ScriptedSourcePlugin), DisplayName = "Scripted test source")]

namespace ConnectorHost.TestPlugins.ScriptedSource;

/// <summary>
/// A source whose every run is scripted by a JSON file (see tests/TestPlugins/README.md), for the host's pipeline tests.
/// </summary>
public sealed class ScriptedSourcePlugin : ConnectorPlugin<ScriptedSourceOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, ScriptedConnector>();
    }
}
