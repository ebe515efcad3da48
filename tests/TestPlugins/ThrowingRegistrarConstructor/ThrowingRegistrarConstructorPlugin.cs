using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ThrowingRegistrarConstructor;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("ThrowingRegistrarConstructor", typeof(ThrowingRegistrarConstructorPlugin))]

namespace ConnectorHost.TestPlugins.ThrowingRegistrarConstructor;

/// <summary>The registrar's constructor throws.</summary>
public sealed class ThrowingRegistrarConstructorPlugin : ConnectorPlugin<ThrowingRegistrarConstructorOptions>
{
    public ThrowingRegistrarConstructorPlugin() =>
        throw new InvalidOperationException("ThrowingRegistrarConstructor cannot be created");

    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
    }
}

/// <summary>No settings.</summary>
public sealed class ThrowingRegistrarConstructorOptions
{
}
