using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Confluence;
using ConnectorHost.Plugins.Confluence.Http;
using ConnectorHost.Plugins.Confluence.Sync;
using Microsoft.Extensions.DependencyInjection;

[assembly: ConnectorPlugin("Confluence", typeof(ConfluencePlugin), DisplayName = "Confluence")]

namespace ConnectorHost.Plugins.Confluence;

/// <summary>
/// The Confluence plugin: syncs the pages (and blog posts) of Confluence Cloud or Data Center spaces, with their
/// footer comments if asked, and reports deletions through a full listing.
/// </summary>
public sealed class ConfluencePlugin : ConnectorPlugin<ConfluenceOptions>
{
    /// <inheritdoc />
    public override void ConfigureServices(IServiceCollection services, ConnectorInstance instance)
    {
        // Singletons of the instance's container: the request rate, the site's time zone and the user names learned
        // hold across runs.
        services.AddSingleton<ConfluenceClient>();
        services.AddSingleton<ConfluenceSite>();
        services.AddSingleton<ItemBuilder>();
        services.AddSingleton<ConfluenceConnector>();
        services.AddSingleton<IConnector>(provider => provider.GetRequiredService<ConfluenceConnector>());
        services.AddSingleton<IFullListing>(provider => provider.GetRequiredService<ConfluenceConnector>());
        services.AddSingleton<IConnectionCheck>(provider => provider.GetRequiredService<ConfluenceConnector>());
    }
}
