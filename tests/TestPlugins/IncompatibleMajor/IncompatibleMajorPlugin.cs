using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.IncompatibleMajor;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("IncompatibleMajor", typeof(IncompatibleMajorPlugin))]

namespace ConnectorHost.TestPlugins.IncompatibleMajor;

/// <summary>A plugin compiled against ConnectorHost.Abstractions 2.0.</summary>
public sealed class IncompatibleMajorPlugin : ConnectorPlugin<IncompatibleMajorOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, EmptyConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class IncompatibleMajorOptions
{
}

internal sealed class EmptyConnector : IConnector
{
    public IAsyncEnumerable<SourceChange> ReadChangesAsync(ReadRequest request, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<SourceChange>();
}
