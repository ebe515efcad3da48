using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Asana;
using ConnectorHost.Plugins.Asana.Api;
using ConnectorHost.Plugins.Asana.Content;
using ConnectorHost.Plugins.Asana.Sync;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("Asana", typeof(AsanaPlugin), DisplayName = "Asana")]

namespace ConnectorHost.Plugins.Asana;

/// <summary>
/// Registers the Asana connector: tasks of the configured projects (with their comments) as memories, incremental
/// through <c>modified_since</c>, deletions through the Events API and periodic full listings.
/// </summary>
public sealed class AsanaPlugin : ConnectorPlugin<AsanaOptions>
{
    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHttpClient(AsanaClient.HttpClientName);
        // One client per instance: its rate and concurrency limits hold across runs and the full listing.
        services.AddSingleton<AsanaClient>();
        services.AddSingleton<TaskRenderer>();
        services.AddTransient<AsanaConnector>();
        services.AddTransient<IConnector>(sp => sp.GetRequiredService<AsanaConnector>());
        services.AddTransient<IFullListing>(sp => sp.GetRequiredService<AsanaConnector>());
        services.AddTransient<IConnectionCheck>(sp => sp.GetRequiredService<AsanaConnector>());
    }
}
