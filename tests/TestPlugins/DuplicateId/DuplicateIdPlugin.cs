using ConnectorHost.Abstractions;
using ConnectorHost.TestPlugins.DuplicateId;
using Microsoft.Extensions.DependencyInjection;

// Declares the id of GoodPlugin: where both are present, neither may load.
[assembly: ConnectorPlugin("Good", typeof(DuplicateIdPlugin), DisplayName = "Not the Good plugin")]

namespace ConnectorHost.TestPlugins.DuplicateId;

/// <summary>A plugin claiming the id "Good".</summary>
public sealed class DuplicateIdPlugin : ConnectorPlugin<DuplicateIdOptions>
{
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        services.AddTransient<IConnector, EmptyConnector>();
    }
}

/// <summary>No settings.</summary>
public sealed class DuplicateIdOptions
{
}

internal sealed class EmptyConnector : IConnector
{
    public IAsyncEnumerable<SourceChange> ReadChangesAsync(ReadRequest request, CancellationToken cancellationToken) =>
        AsyncEnumerable.Empty<SourceChange>();
}
