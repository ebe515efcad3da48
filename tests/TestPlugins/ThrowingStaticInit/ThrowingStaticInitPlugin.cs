using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ThrowingStaticInit;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("ThrowingStaticInit", typeof(ThrowingStaticInitPlugin))]

namespace ConnectorHost.TestPlugins.ThrowingStaticInit;

/// <summary>The registrar's static initializer throws, the first time the type is used.</summary>
public sealed class ThrowingStaticInitPlugin : ConnectorPlugin<ThrowingStaticInitOptions>
{
    // An explicit static constructor (not a field initializer) runs exactly before the first instance is created.
#pragma warning disable CA1065 // Throwing from the static initializer is the point of this fixture.
    static ThrowingStaticInitPlugin() =>
        throw new InvalidOperationException("ThrowingStaticInit failed in its static initializer");
#pragma warning restore CA1065

    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
    }
}

/// <summary>No settings.</summary>
public sealed class ThrowingStaticInitOptions
{
}
