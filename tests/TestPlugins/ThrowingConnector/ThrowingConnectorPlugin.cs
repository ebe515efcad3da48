using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.ThrowingConnector;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("ThrowingConnector", typeof(ThrowingConnectorPlugin))]

namespace ConnectorHost.TestPlugins.ThrowingConnector;

/// <summary>Loads and registers fine; its connector's constructor throws.</summary>
public sealed class ThrowingConnectorPlugin : ConnectorPlugin<ThrowingConnectorOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, UnconstructibleConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class ThrowingConnectorOptions
{
}

internal sealed class UnconstructibleConnector : IConnector
{
    public UnconstructibleConnector() =>
        throw new InvalidOperationException("UnconstructibleConnector cannot be constructed");

    public IAsyncEnumerable<SourceChange> ReadChangesAsync(ReadRequest request, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<SourceChange>();
}
