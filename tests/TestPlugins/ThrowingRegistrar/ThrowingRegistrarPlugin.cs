using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ThrowingRegistrar;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("ThrowingRegistrar", typeof(ThrowingRegistrarPlugin))]

namespace ConnectorHost.TestPlugins.ThrowingRegistrar;

/// <summary>Loads fine; its <see cref="ConfigureServices"/> throws.</summary>
public sealed class ThrowingRegistrarPlugin : ConnectorPlugin<ThrowingRegistrarOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance) =>
        throw new InvalidOperationException("ThrowingRegistrar refuses to register its services");
}

/// <summary>No settings.</summary>
public sealed class ThrowingRegistrarOptions
{
}
