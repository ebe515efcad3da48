using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.NewerMinor;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("NewerMinor", typeof(NewerMinorPlugin))]

namespace ConnectorHost.TestPlugins.NewerMinor;

/// <summary>A plugin compiled against ConnectorHost.Abstractions 1.3.</summary>
public sealed class NewerMinorPlugin : ConnectorPlugin<NewerMinorOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, EmptyConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class NewerMinorOptions
{
}

internal sealed class EmptyConnector : IConnector
{
    public IAsyncEnumerable<SourceChange> ReadChangesAsync(ReadRequest request, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<SourceChange>();
}
