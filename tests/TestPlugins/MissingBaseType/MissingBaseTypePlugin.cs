using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.MissingBaseType;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("MissingBaseType", typeof(MissingBaseTypePlugin))]

namespace ConnectorHost.TestPlugins.MissingBaseType;

/// <summary>A registrar that is fine, in an assembly with a type whose base class cannot be loaded.</summary>
public sealed class MissingBaseTypePlugin : ConnectorPlugin<MissingBaseTypeOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
    }
}

/// <summary>No settings.</summary>
public sealed class MissingBaseTypeOptions
{
}

/// <summary>Cannot be loaded without AbsentLib.</summary>
public sealed class DerivedFromAbsent : AbsentLib.AbsentBase
{
}
